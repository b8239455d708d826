import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertUser } from '../../src/auth/users.repository.js';
import { signedInClient, seedAdmin, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedProject } from '../helpers/metrics-fixtures.js';

describe('metrics over HTTP: guards, OpenAPI, empty panel sections', () => {
  let t: TestApp;
  let adminToken: string;
  let memberToken: string;

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    adminToken = await tokenFor(t.db, admin.id);
    const member = await insertUser(t.db, {
      id: 'usr_member',
      email: 'member@example.com',
      password_hash: 'x',
      role: 'member',
      created_at: new Date().toISOString(),
    });
    memberToken = await tokenFor(t.db, member.id);
    await seedProject(t.db, 'prj_h', 'quiet', [{ id: 'svc_quiet', name: 'web' }]);
  });
  after(() => t.close());

  it('/metrics needs an admin token; the document lists the metrics routes', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    const member = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${memberToken}` },
    });
    assert.equal(member.statusCode, 403);
    const admin = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(admin.statusCode, 200);
    assert.match(String(admin.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(admin.body, /# TYPE berth_container_memory_bytes gauge/);
    const server = await t.app.inject({
      method: 'GET',
      url: '/api/v1/server/metrics',
      headers: { authorization: `Bearer ${memberToken}` },
    });
    assert.equal(server.statusCode, 403);

    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/v1/services/{id}/metrics',
      '/api/v1/projects/{id}/metrics',
      '/api/v1/server/metrics',
      '/api/v1/projects/{id}/usage',
      '/api/v1/projects/{id}/usage.csv',
    ]) {
      assert.ok(doc.paths[path]?.get, `${path} is documented`);
    }
    assert.ok(doc.components.schemas.MetricSeries);
  });

  it('a service with no samples yet shows empty charts; the usage page lists it at zero; bad input is refused', async () => {
    const panel = await signedInClient(t.app);
    const service = await panel.get('/services/svc_quiet/metrics', { 'hx-request': 'true' });
    assert.equal(service.statusCode, 200);
    assert.equal(service.body.match(/No data yet/g)?.length, 3, 'CPU, memory and network charts, all empty');
    const full = await panel.get('/projects/prj_h/metrics?range=30d');
    assert.match(full.body, /<html/);
    assert.match(full.body, /aria-current="true">30d</);
    const usage = await panel.get('/projects/prj_h/usage?month=2026-11');
    assert.equal(usage.statusCode, 200);
    assert.match(usage.body, /<tr data-service="svc_quiet"><td>web<\/td><td>app<\/td><td class="number">0\.000<\/td>/);
    assert.match(usage.body, /href="\/projects\/prj_h\/usage\.csv\?month=2026-11"/);
    assert.equal((await panel.get('/projects/prj_h/usage?month=2026-13')).statusCode, 400);
    assert.equal((await panel.get('/services/svc_quiet/metrics?range=1y')).statusCode, 400);
    assert.equal((await panel.get('/services/svc_nope/metrics')).statusCode, 404);
    const serverPage = await panel.get('/server');
    assert.match(serverPage.body, /hx-get="\/server\/metrics"/);
  });
});
