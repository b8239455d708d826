/**
 * Worker processes over HTTP (fastify inject, real SQLite, the real engine asked for containers): the API
 * lists the active release's process types and sets replicas (0..20, else 422 naming `replicas`; an unknown
 * type 404); a viewer reads but cannot scale; the panel's Processes section shows the empty state, then the
 * types with a scale form that needs its CSRF token; scaling is audited as service.processes.scale.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';

describe('worker processes over HTTP', () => {
  let t: TestApp;
  let team: Team;
  let dev: Record<string, string>;
  let viewer: Record<string, string>;
  let devPanel: InjectClient;
  let svc: string;

  const api = (headers: Record<string, string>, method: 'GET' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const htmx = { 'hx-request': 'true' };

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    svc = team.ids.service;
    dev = { authorization: `Bearer ${await token(t, team.users.developer.id)}` };
    viewer = { authorization: `Bearer ${await token(t, team.users.viewer.id)}` };
    devPanel = await signIn(t, team.users.developer.email);
  });
  after(async () => {
    await t?.ctx.cron.stop();
    await t?.close();
  });

  it('shows the empty state while the release has no process type besides web', async () => {
    const listed = await api(viewer, 'GET', `/services/${svc}/processes`);
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json(), { activeDeploymentId: null, processes: [] });
    const section = await devPanel.get(`/services/${svc}/processes`, htmx);
    assert.equal(section.statusCode, 200);
    assert.match(section.body, /No Procfile process types besides web/);
    const page = await devPanel.get(`/services/${svc}`);
    assert.match(page.body, /hx-get="\/services\/[^"]+\/processes"/, 'the Deployments tab loads the section');
  });

  it('lists the active release’s types and scales them, within 0..20, by the API and the panel', async () => {
    await t.db
      .insertInto('deployments')
      .values({
        id: 'dep_workershttp1',
        service_id: svc,
        status: 'active',
        trigger: 'api',
        created_at: new Date().toISOString(),
        process_types: JSON.stringify({ worker: 'sh worker.sh', clock: 'node clock.js' }),
      })
      .execute();
    const listed = await api(viewer, 'GET', `/services/${svc}/processes`);
    assert.deepEqual(listed.json(), {
      activeDeploymentId: 'dep_workershttp1',
      processes: [
        { type: 'worker', command: 'sh worker.sh', replicas: 1, running: 0, state: 'starting' },
        { type: 'clock', command: 'node clock.js', replicas: 1, running: 0, state: 'starting' },
      ],
    });

    assert.equal((await api(viewer, 'PATCH', `/services/${svc}/processes/worker`, { replicas: 2 })).statusCode, 403);
    const tooMany = await api(dev, 'PATCH', `/services/${svc}/processes/worker`, { replicas: 21 });
    assert.equal(tooMany.statusCode, 422, tooMany.body);
    assert.ok(tooMany.json().error.details.replicas);
    const unknown = await api(dev, 'PATCH', `/services/${svc}/processes/mailer`, { replicas: 1 });
    assert.equal(unknown.statusCode, 404);
    const off = await api(dev, 'PATCH', `/services/${svc}/processes/clock`, { replicas: 0 });
    assert.equal(off.statusCode, 200, off.body);
    assert.deepEqual(off.json(), { type: 'clock', command: 'node clock.js', replicas: 0, running: 0, state: 'off' });

    const section = await devPanel.get(`/services/${svc}/processes`, htmx);
    assert.match(section.body, /id="process-worker"/);
    assert.match(section.body, /id="replicas-clock"[^>]*value="0"/);
    const csrf = csrfTokenOf(section.body);
    const noToken = await devPanel.postForm(`/services/${svc}/processes/worker`, { replicas: '3' }, htmx);
    assert.equal(noToken.statusCode, 403);
    const bad = await devPanel.postForm(`/services/${svc}/processes/worker`, { _csrf: csrf, replicas: 'lots' }, htmx);
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="processes-error"[^>]*>Replicas must be a whole number from 0 to 20/);
    const scaled = await devPanel.postForm(`/services/${svc}/processes/worker`, { _csrf: csrf, replicas: '3' }, htmx);
    assert.equal(scaled.statusCode, 200, scaled.body);
    assert.match(scaled.body, /worker runs 3 replicas\./);
    const plain = await devPanel.postForm(`/services/${svc}/processes/worker`, { _csrf: csrf, replicas: '2' });
    assert.equal(plain.statusCode, 303);
    assert.equal(plain.headers.location, `/services/${svc}`);

    const rows = await t.db
      .selectFrom('service_processes')
      .select(['process_type', 'replicas'])
      .where('service_id', '=', svc)
      .orderBy('process_type')
      .execute();
    assert.deepEqual(rows, [
      { process_type: 'clock', replicas: 0 },
      { process_type: 'worker', replicas: 2 },
    ]);
    const audited = await t.db
      .selectFrom('audit_events')
      .select(['object_id', 'changes'])
      .where('action', '=', 'service.processes.scale')
      .where('outcome', '=', 'success')
      .orderBy('id')
      .execute();
    assert.equal(audited.length, 3, 'one entry per change (API clock, panel 3, panel 2)');
    assert.ok(audited.every((a) => a.object_id === svc));
    assert.deepEqual(
      audited.map((a) => JSON.parse(a.changes ?? 'null')),
      [
        { 'processes.clock': { before: 1, after: 0 } },
        { 'processes.worker': { before: 1, after: 3 } },
        { 'processes.worker': { before: 3, after: 2 } },
      ],
    );
  });
});
