import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';

describe('server page with a real Docker engine', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
  });
  after(() => t.close());

  it("shows the engine's version, containers, images and disk use", async () => {
    const client = await signedInClient(t.app);
    const res = await client.get('/server');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /connected/);
    assert.match(res.body, /<dt>Version<\/dt><dd>\d+\.\d+/);
    assert.match(res.body, /<dt>Containers<\/dt><dd>\d+ \(\d+ running/);
    assert.match(res.body, /<dt>Images<\/dt><dd>\d+/);
    assert.match(res.body, /Build cache/);
    assert.doesNotMatch(res.body, /id="docker-banner"/);
  });

  it('reports the engine in /healthz and /api/v1/server', async () => {
    const health = (await t.app.inject({ method: 'GET', url: '/healthz' })).json();
    assert.deepEqual({ status: health.status, docker: health.docker }, { status: 'ok', docker: 'available' });
    const users = await t.db.selectFrom('users').select('id').execute();
    const token = await tokenFor(t.db, users[0]!.id);
    const server = (
      await t.app.inject({ method: 'GET', url: '/api/v1/server', headers: { authorization: `Bearer ${token}` } })
    ).json();
    assert.equal(server.available, true);
    assert.match(server.info.version, /^\d+\./);
  });
});

describe('server page when Docker is unavailable', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { DOCKER_HOST: 'unix:///tmp/berth-no-such-docker.sock' } });
    await seedAdmin(t.db);
  });
  after(() => t.close());

  it('keeps serving, says "Docker is unavailable" with the reason, and shows a banner on every page', async () => {
    const client = await signedInClient(t.app);
    const server = await client.get('/server');
    assert.equal(server.statusCode, 200);
    assert.match(server.body, /<h2>Docker is unavailable<\/h2>/);
    assert.match(server.body, /berth-no-such-docker\.sock/);
    const dashboard = await client.get('/');
    assert.match(dashboard.body, /id="docker-banner"/);
    const health = (await t.app.inject({ method: 'GET', url: '/healthz' })).json();
    assert.equal(health.status, 'ok');
    assert.equal(health.docker, 'unavailable');
  });
});
