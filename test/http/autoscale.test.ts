/**
 * Autoscaling policies over HTTP (fastify inject, real SQLite): the API sets, reads and deletes a
 * service's policy with every bad field named (422) and unknown fields refused; a viewer reads but cannot
 * set; the panel's Autoscaling section shows the empty state, then the policy with a form that needs its
 * CSRF token; a policy is refused (409) while the active deployment's berth.json sets replicas; changes
 * are audited as service.autoscaling.update / .delete.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';

describe('autoscaling policies over HTTP', () => {
  let t: TestApp;
  let team: Team;
  let dev: Record<string, string>;
  let viewer: Record<string, string>;
  let devPanel: InjectClient;
  let svc: string;

  const api = (headers: Record<string, string>, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const htmx = { 'hx-request': 'true' };
  const policy = { minReplicas: 1, maxReplicas: 4, metric: 'requests', target: 20, cooldownSeconds: 60 };

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

  it('starts without a policy: 404 from the API, an explained empty state in the panel', async () => {
    assert.equal((await api(viewer, 'GET', `/services/${svc}/autoscaling`)).statusCode, 404);
    const section = await devPanel.get(`/services/${svc}/autoscaling`, htmx);
    assert.equal(section.statusCode, 200);
    assert.match(section.body, /The replica count is fixed\./);
    const page = await devPanel.get(`/services/${svc}/settings`);
    assert.match(page.body, /hx-get="\/services\/[^"]+\/autoscaling"/, 'the Settings tab loads the section');
  });

  it('sets, reads and deletes a policy by the API, naming every bad field', async () => {
    assert.equal((await api(viewer, 'PUT', `/services/${svc}/autoscaling`, policy)).statusCode, 403);
    const unknown = await api(dev, 'PUT', `/services/${svc}/autoscaling`, { ...policy, replicas: 3 });
    assert.ok([400, 422].includes(unknown.statusCode), unknown.body);
    const bad = await api(dev, 'PUT', `/services/${svc}/autoscaling`, {
      ...policy,
      minReplicas: 5,
      maxReplicas: 2,
      cooldownSeconds: 1,
    });
    assert.equal(bad.statusCode, 422, bad.body);
    assert.deepEqual(Object.keys(bad.json().error.details).sort(), ['cooldownSeconds', 'maxReplicas']);
    const cpuTooHigh = await api(dev, 'PUT', `/services/${svc}/autoscaling`, { ...policy, metric: 'cpu', target: 900 });
    assert.equal(cpuTooHigh.statusCode, 422);
    assert.ok(cpuTooHigh.json().error.details.target);

    const set = await api(dev, 'PUT', `/services/${svc}/autoscaling`, policy);
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().enabled, true, 'on unless said otherwise');
    const read = await api(viewer, 'GET', `/services/${svc}/autoscaling`);
    assert.deepEqual(
      { ...(read.json() as Record<string, unknown>), updatedAt: undefined },
      { serviceId: svc, enabled: true, ...policy, lastScaledAt: null, lastDecision: null, updatedAt: undefined },
    );
    assert.equal((await api(viewer, 'DELETE', `/services/${svc}/autoscaling`)).statusCode, 403);
    assert.equal((await api(dev, 'DELETE', `/services/${svc}/autoscaling`)).statusCode, 204);
    assert.equal((await api(dev, 'DELETE', `/services/${svc}/autoscaling`)).statusCode, 404);
    assert.equal((await api(viewer, 'GET', `/services/${svc}/autoscaling`)).statusCode, 404);
  });

  it('sets and stops it from the panel with the CSRF token; audited', async () => {
    const section = await devPanel.get(`/services/${svc}/autoscaling`, htmx);
    const csrf = csrfTokenOf(section.body);
    const form = {
      enabled: 'on',
      minReplicas: '2',
      maxReplicas: '3',
      metric: 'cpu',
      target: '70',
      cooldownSeconds: '120',
    };
    assert.equal((await devPanel.postForm(`/services/${svc}/autoscaling`, form, htmx)).statusCode, 403);
    const bad = await devPanel.postForm(
      `/services/${svc}/autoscaling`,
      { ...form, _csrf: csrf, maxReplicas: 'many' },
      htmx,
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="autoscaling-error"[^>]*>The autoscaling policy is not valid: maxReplicas must be/);
    assert.match(bad.body, /id="as-max"[^>]*aria-invalid="true"/);
    const saved = await devPanel.postForm(`/services/${svc}/autoscaling`, { ...form, _csrf: csrf }, htmx);
    assert.equal(saved.statusCode, 200, saved.body);
    assert.match(saved.body, /Autoscaling between 2 and 3 replicas\./);
    assert.match(saved.body, /70 % CPU per replica/);
    const stopped = await devPanel.postForm(`/services/${svc}/autoscaling/delete`, { _csrf: csrf });
    assert.equal(stopped.statusCode, 303);
    assert.equal(stopped.headers.location, `/services/${svc}/settings`);

    const audited = await t.db
      .selectFrom('audit_events')
      .select(['action', 'object_id'])
      .where('action', 'like', 'service.autoscaling.%')
      .where('outcome', '=', 'success')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audited.map((a) => a.action),
      [
        'service.autoscaling.update',
        'service.autoscaling.delete',
        'service.autoscaling.update',
        'service.autoscaling.delete',
      ],
    );
    assert.ok(audited.every((a) => a.object_id === svc));
  });

  it('refuses a policy while the active deployment’s berth.json sets replicas', async () => {
    await t.db
      .insertInto('deployments')
      .values({
        id: 'dep_autoscalefile1',
        service_id: svc,
        status: 'active',
        trigger: 'api',
        image: 'berth/x:dep_autoscalefile1',
        created_at: new Date().toISOString(),
        config_file_json: JSON.stringify({ path: 'berth.json', environment: null, settings: { replicas: 2 } }),
      })
      .execute();
    const refused = await api(dev, 'PUT', `/services/${svc}/autoscaling`, policy);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.match(refused.json().error.message, /berth\.json sets replicas \(2\)/);
    assert.equal((await api(viewer, 'GET', `/services/${svc}/autoscaling`)).statusCode, 404, 'nothing stored');
  });
});
