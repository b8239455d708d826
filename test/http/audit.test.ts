/**
 * The audit log through real requests: changes made through the API and the panel, then read back
 * through GET /api/v1/audit, the panel page and both exports. Every secret typed in must be nowhere in
 * the stored rows (read raw from SQLite) nor in the CSV.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUDIT_RULES } from '../../src/http/audit/audit-actions.js';
import { registeredRoutes } from '../../src/http/route-groups.js';
import { ADMIN, seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, InjectClient } from '../helpers/inject-client.js';
import { parseCsv } from '../helpers/csv.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const ADDRESS = '203.0.113.7';
const AGENT = 'audit-test/1.0';
const SECRET_VALUE = 'sk-live-7f3a9c2e55d1-very-secret';
const SECRET_VALUE_2 = 'sk-live-second-91bd77aa40';
const WRONG_PASSWORD = 'not-the-password-8841';

/** An event as GET /api/v1/audit lists it (nullable fields typed loosely: the assertions check them). */
interface Event {
  action: string;
  actor: { kind: string; email: string | null; tokenName: string | null };
  object: { type: string; id: string; name: string };
  projectId: string | null;
  address: string | null;
  userAgent: string | null;
  outcome: string;
  statusCode: number | null;
  detail: string;
  changes: Record<string, unknown>;
}

describe('audit log', () => {
  let t: TestApp;
  let token: string;
  let projectId: string;
  let serviceId: string;
  let panel: InjectClient;
  const api = (method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      remoteAddress: ADDRESS,
      headers: { authorization: `Bearer ${token}`, 'user-agent': AGENT },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const events = async (query: string) => {
    const res = await api('GET', `/api/v1/audit?${query}`);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { total: number; events: Event[] };
  };
  const rawRows = async () => JSON.stringify(await t.db.selectFrom('audit_events').selectAll().execute());

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    token = await tokenFor(t.db, admin.id, 'ci-robot');
    panel = await signedInClient(t.app);
    projectId = (await api('POST', '/api/v1/projects', { name: 'shop' })).json().id;
    const created = await api('POST', `/api/v1/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'image', image: 'nginx:1.27' },
      port: 80,
    });
    assert.equal(created.statusCode, 201, created.body);
    serviceId = created.json().id;
  });
  after(() => t.close());

  it('records variable changes through the API: the token, the address, which keys, never the values', async () => {
    assert.equal(
      (await api('PUT', `/api/v1/services/${serviceId}/variables`, { GREETING: 'hi', API_KEY: SECRET_VALUE }))
        .statusCode,
      200,
    );
    assert.equal(
      (await api('PUT', `/api/v1/services/${serviceId}/variables`, { GREETING: 'hi', API_KEY: SECRET_VALUE_2 }))
        .statusCode,
      200,
    );
    const { events: found } = await events('action=service.variables');
    assert.equal(found.length, 2);
    const [second, first] = found;
    assert.deepEqual(first!.changes, { 'variables.GREETING': 'set', 'variables.API_KEY': 'set' });
    assert.deepEqual(second!.changes, { 'variables.API_KEY': 'changed' });
    assert.equal(first!.action, 'service.variables.update');
    assert.equal(first!.actor.kind, 'token');
    assert.equal(first!.actor.tokenName, 'ci-robot');
    assert.equal(first!.actor.email, ADMIN.email);
    assert.deepEqual(first!.object, { type: 'service', id: serviceId, name: 'web' });
    assert.equal(first!.projectId, projectId);
    assert.equal(first!.address, ADDRESS);
    assert.equal(first!.userAgent, AGENT);
    assert.equal(first!.outcome, 'success');
    const raw = await rawRows();
    assert.ok(!raw.includes(SECRET_VALUE) && !raw.includes(SECRET_VALUE_2), 'no variable value in any stored row');
  });

  it('records a variable set in the panel form, marked secret, without its value', async () => {
    const csrf = await panel.csrfFrom(`/services/${serviceId}/variables`);
    const res = await panel.postForm(`/services/${serviceId}/variables`, {
      _csrf: csrf,
      key: 'DB_PASSWORD',
      value: 'panel-typed-secret-5521',
      secret: 'on',
    });
    assert.ok(res.statusCode < 400, res.body.slice(0, 300));
    const { events: found } = await events('action=service.variables.update&actor=user');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.changes['variables.DB_PASSWORD'], 'set');
    assert.deepEqual(found[0]!.changes.masked, { after: ['DB_PASSWORD'] });
    assert.equal(found[0]!.actor.email, ADMIN.email);
    assert.ok(!(await rawRows()).includes('panel-typed-secret-5521'));
  });

  it('knows an action for every changing panel and API route', () => {
    const missing = registeredRoutes(t.app)
      .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.access !== 'public')
      .map((r) => `${r.method} ${r.url}`)
      .filter((key) => !AUDIT_RULES[key]);
    assert.deepEqual(missing, []);
  });

  it('records service settings before → after, and a refused change as a failure with its code', async () => {
    assert.equal((await api('PATCH', `/api/v1/services/${serviceId}`, { port: 8080 })).statusCode, 200);
    const bad = await api('PATCH', `/api/v1/services/${serviceId}`, { replicas: -4 });
    assert.ok(bad.statusCode >= 400);
    const { events: found } = await events('action=service.settings.update');
    const ok = found.find((e) => e.outcome === 'success')!;
    assert.deepEqual(ok.changes, { port: { before: 80, after: 8080 } });
    const failed = found.find((e) => e.outcome === 'failure')!;
    assert.equal(failed.statusCode, bad.statusCode);
    assert.match(failed.detail, /^[A-Z_]+$/);
    assert.equal(failed.changes, null);
  });

  it('records a token made and revoked in the panel, without the token', async () => {
    const csrf = await panel.csrfFrom('/tokens');
    const page = await panel.postForm('/tokens', { _csrf: csrf, name: 'laptop' });
    assert.equal(page.statusCode, 200);
    const secret = /id="new-token-value">([^<]+)</.exec(page.body)![1]!;
    const { events: created } = await events('action=token.create');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.actor.kind, 'user');
    assert.equal(created[0]!.actor.email, ADMIN.email);
    assert.equal(created[0]!.object.name, 'laptop');
    assert.equal(created[0]!.address, '127.0.0.1');
    assert.deepEqual(created[0]!.changes.name, { after: 'laptop' });
    const tokenId = created[0]!.object.id as string;
    const revoke = await panel.postForm(`/tokens/${tokenId}/revoke`, { _csrf: csrfTokenOf(page.body) });
    assert.equal(revoke.statusCode, 303);
    const { events: revoked } = await events('action=token.revoke');
    assert.deepEqual(revoked[0]!.changes, { revoked: { before: false, after: true } });
    assert.ok(!(await rawRows()).includes(secret.slice(8)), 'the token is not stored');
  });

  it('records the project created first, by name', async () => {
    const { events: found } = await events('action=project.create');
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]!.object, { type: 'project', id: projectId, name: 'shop' });
    assert.equal(found[0]!.projectId, projectId);
    assert.deepEqual(found[0]!.changes, { name: { after: 'shop' } });
  });

  it('records a service created and deleted, with what it was', async () => {
    const made = await api('POST', `/api/v1/projects/${projectId}/services`, {
      name: 'worker',
      source: { type: 'image', image: 'busybox:1' },
    });
    const id = made.json().id as string;
    const gone = await api('DELETE', `/api/v1/services/${id}`, { confirm: 'worker' });
    assert.equal(gone.statusCode, 200, gone.body);
    const { events: found } = await events(`action=service&project=${projectId}`);
    const create = found.find((e) => e.action === 'service.create' && e.object.id === id)!;
    assert.deepEqual(create.changes.name, { after: 'worker' });
    assert.deepEqual(create.changes['source.image'], { after: 'busybox:1' });
    const del = found.find((e) => e.action === 'service.delete')!;
    assert.deepEqual(del.object, { type: 'service', id, name: 'worker' });
    assert.deepEqual(del.changes.name, { before: 'worker' });
    assert.equal(del.projectId, projectId);
  });

  it('records a failed login with the email tried and the address, never the password', async () => {
    const stranger = new InjectClient(t.app, '198.51.100.9');
    const csrf = await stranger.csrfFrom('/login');
    const res = await stranger.postForm('/login', {
      _csrf: csrf,
      email: 'Mallory@Example.com',
      password: WRONG_PASSWORD,
    });
    assert.equal(res.statusCode, 401);
    const { events: found } = await events('action=login.failed');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.actor.kind, 'anonymous');
    assert.equal(found[0]!.actor.email, 'mallory@example.com');
    assert.equal(found[0]!.address, '198.51.100.9');
    assert.equal(found[0]!.outcome, 'failure');
    const success = await events('action=login.success');
    assert.ok(
      success.events.some((e) => e.actor.email === ADMIN.email),
      'the panel sign-in is there too',
    );
    const raw = await rawRows();
    assert.ok(!raw.includes(WRONG_PASSWORD) && !raw.includes(ADMIN.password), 'no password stored');
  });

  it('records a webhook call with a bad signature as a failure from that address', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/hooks/services/${serviceId}/git`,
      remoteAddress: '192.0.2.44',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00', 'x-github-event': 'push' },
      payload: { ref: 'refs/heads/main' },
    });
    assert.ok(res.statusCode >= 400);
    const { events: found } = await events('action=webhook');
    assert.equal(found.length, 1);
    assert.equal(found[0]!.actor.kind, 'webhook');
    assert.equal(found[0]!.address, '192.0.2.44');
    assert.equal(found[0]!.outcome, 'failure');
    assert.deepEqual(found[0]!.object, { type: 'service', id: serviceId, name: 'web' });
  });

  it('filters by actor, action prefix, project, outcome and time', async () => {
    const byToken = await events('actor=ci-robot');
    assert.ok(byToken.total > 0 && byToken.events.every((e) => e.actor.tokenName === 'ci-robot'));
    const byKind = await events('actor=anonymous');
    assert.ok(byKind.events.every((e) => e.actor.kind === 'anonymous'));
    const logins = await events('action=login');
    assert.ok(logins.events.every((e) => e.action.startsWith('login.')));
    assert.equal((await events('action=log')).total, 0, 'a prefix is a whole dotted part');
    const project = await events(`project=${projectId}`);
    assert.ok(project.total > 0 && project.events.every((e) => e.projectId === projectId));
    const failures = await events('outcome=failure');
    assert.ok(failures.total >= 2 && failures.events.every((e) => e.outcome === 'failure'));
    assert.equal((await events('from=2999-01-01')).total, 0);
    assert.equal((await events(`to=2000-01-01`)).total, 0);
    assert.equal((await events('limit=1')).events.length, 1);
    const bad = await api('GET', '/api/v1/audit?outcome=maybe');
    assert.equal(bad.statusCode, 422);
  });

  it('exports well-formed CSV and JSON, with no secret in them', async () => {
    const csv = await api('GET', '/api/v1/audit/export?format=csv');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="berth-audit-.*\.csv"/);
    const rows = parseCsv(csv.body);
    assert.equal(rows[0]![0], 'id');
    assert.ok(rows.length > 5);
    for (const row of rows) assert.equal(row.length, rows[0]!.length);
    const changesColumn = rows[0]!.indexOf('changes');
    const variablesRows = rows.filter((r) => r[rows[0]!.indexOf('action')] === 'service.variables.update');
    assert.ok(variablesRows.some((r) => r[changesColumn] === JSON.stringify({ 'variables.API_KEY': 'changed' })));
    for (const secret of [SECRET_VALUE, SECRET_VALUE_2, WRONG_PASSWORD, ADMIN.password]) {
      assert.ok(!csv.body.includes(secret), 'no secret in the CSV');
    }

    const json = await api('GET', '/api/v1/audit/export?format=json&action=login');
    const list = JSON.parse(json.body) as Array<{ action: string }>;
    assert.ok(list.length >= 2 && list.every((e) => e.action.startsWith('login.')));
    const panelCsv = await panel.get('/audit/export.csv?outcome=failure');
    assert.equal(panelCsv.statusCode, 200);
    assert.ok(
      parseCsv(panelCsv.body)
        .slice(1)
        .every((r) => r[parseCsv(panelCsv.body)[0]!.indexOf('outcome')] === 'failure'),
    );
  });

  it('shows the log in the panel, filtered, with times in words', async () => {
    const page = await panel.get('/audit?action=service.variables');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Audit log<\/h1>/);
    assert.match(page.body, /service\.variables\.update/);
    assert.match(page.body, /token &quot;ci-robot&quot;|token "ci-robot"/);
    assert.match(page.body, /<time datetime="[^"]+" title="[^"]+"/);
    assert.doesNotMatch(page.body, /<code>login\.failed<\/code>/);
    assert.ok(!page.body.includes(SECRET_VALUE));
    const bad = await panel.get('/audit?from=yesterday');
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="audit-filter-error"/);
  });

  it('keeps events for the retention setting: the sweep removes old rows only', async () => {
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    const old = new Date(now - 40 * day).toISOString();
    const recent = new Date(now - 10 * day).toISOString();
    for (const at of [old, recent]) {
      await t.ctx.audit.record({
        actor: { kind: 'system' },
        action: 'test.retention',
        outcome: 'success',
        detail: at,
        at,
      });
    }
    const set = await api('PUT', '/api/v1/audit/retention', { days: 30 });
    assert.deepEqual(set.json(), { days: 30 });
    assert.equal((await api('PUT', '/api/v1/audit/retention', { days: 0 })).statusCode, 422);
    const before = (await events('')).total;
    const removed = await t.ctx.audit.sweep(now);
    assert.equal(removed, 1);
    const left = await events('action=test.retention');
    assert.deepEqual(
      left.events.map((e) => e.detail),
      [recent],
    );
    assert.equal((await events('')).total, before - 1, 'nothing newer was removed');
    const change = await events('action=audit.retention.update&outcome=success');
    assert.deepEqual(change.events[0]!.changes, { days: { before: 90, after: 30 } });
  });
});
