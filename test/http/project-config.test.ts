/**
 * Project as code over the API and in the panel (fastify inject, real SQLite): the published schema;
 * export → plan → apply and the audit row; the same rules as the create/update routes (a private git
 * source, a bad health-check path, a reserved name, a bad domain); who may (developers and up; viewers
 * and strangers are refused before their body is read); and the project page's drift card (empty state,
 * matching, and the differing fields listed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { upsertGrant } from '../../src/auth/members.repository.js';
import { nowIso } from '../../src/lib/ids.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { addMember } from '../helpers/team-fixture.js';

type Plan = {
  changes: Array<{ action: string; kind: string; path: string; old?: unknown; new?: unknown }>;
  notes: string[];
  planHash: string;
};
type File = { services: Record<string, Record<string, unknown>>; databases: Record<string, unknown> } & Record<
  string,
  unknown
>;

describe('project file API and drift card', () => {
  let t: TestApp;
  let projectId: string;
  let webId: string;
  let headers: Record<string, string>;
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object, as = headers) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: as, ...(payload ? { payload } : {}) });

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    projectId = (await call('POST', '/projects', { name: 'shop' })).json().id;
    webId = (
      await call('POST', `/projects/${projectId}/services`, { name: 'web', source: { type: 'push', branch: 'main' } })
    ).json().id;
    await call('PUT', `/services/${webId}/variables`, { MODE: 'live', DB_PASSWORD: 'never-exported' });
  });
  after(() => t.close());

  const exported = async () => (await call('GET', `/projects/${projectId}/config`)).json() as File;

  it('publishes the schema of berth.project.json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/schema/berth.project.json' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/schema\+json/);
    assert.equal(res.json().$id, '/schema/berth.project.json');
  });

  it('exports production with secret placeholders, plans a change with old → new, applies it and audits it', async () => {
    const file = await exported();
    assert.equal(file.environment, 'production');
    assert.deepEqual(file.services.web!.variables, { DB_PASSWORD: { secret: true }, MODE: 'live' });
    assert.doesNotMatch(JSON.stringify(file), /never-exported/);
    file.services.web!.healthcheck = { path: '/up' };
    file.databases.cache = { engine: 'redis' };
    const plan = (await call('POST', `/projects/${projectId}/config/plan`, { file })).json() as Plan;
    assert.deepEqual(
      plan.changes.map((c) => [c.action, c.path, c.old, c.new]),
      [
        ['update', 'web.healthcheck.path', '/', '/up'],
        ['create', 'cache', undefined, 'redis'],
      ],
    );
    delete file.databases.cache; // creating a database starts a container: the integration tests' part
    const next = (await call('POST', `/projects/${projectId}/config/plan`, { file })).json() as Plan;
    const applied = await call('POST', `/projects/${projectId}/config/apply`, { file, expectPlanHash: next.planHash });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.equal((await call('GET', `/services/${webId}`)).json().healthcheck.path, '/up');
    const audit = (await call('GET', '/audit?action=project.config.apply')).json() as {
      events: Array<{ outcome: string }>;
    };
    assert.equal(audit.events[0]?.outcome, 'success');
  });

  it('checks every value with the rules of the create and update routes, naming the path', async () => {
    const file = await exported();
    file.services.web!.healthcheck = { path: 'no-slash' };
    file.services.admin = { source: { type: 'push', branch: 'main' } };
    file.services.mirror = { source: { type: 'git', url: 'http://127.0.0.1/repo.git', branch: 'main' } };
    file.services.web!.domains = ['not a domain'];
    const res = await call('POST', `/projects/${projectId}/config/plan`, { file });
    assert.equal(res.statusCode, 422, res.body);
    const details = res.json().error.details as Record<string, string>;
    assert.deepEqual(Object.keys(details).sort(), [
      'services.admin',
      'services.mirror.source.url',
      'services.web.domains.0',
      'services.web.healthcheck.path',
    ]);
  });

  it('applies in one transaction: a failure found late, in the last object, changes nothing and names it', async () => {
    const appliedBefore = (await call('GET', `/projects/${projectId}/config/drift`)).json();
    const webBefore = (await call('GET', `/services/${webId}`)).json();
    const variablesBefore = (await call('GET', `/services/${webId}/variables`)).json();
    const late = async (file: File) => {
      const plan = await call('POST', `/projects/${projectId}/config/plan`, { file });
      assert.equal(plan.statusCode, 200, plan.body); // only applying finds it
      const planHash = (plan.json() as Plan).planHash;
      return call('POST', `/projects/${projectId}/config/apply`, { file, expectPlanHash: planHash });
    };
    const unchanged = async () => {
      assert.equal((await call('GET', `/services/${webId}`)).json().replicas, webBefore.replicas);
      assert.deepEqual((await call('GET', `/services/${webId}/variables`)).json(), variablesBefore);
      const names = (await call('GET', `/projects/${projectId}/services`)).json().map((s: { name: string }) => s.name);
      assert.deepEqual(names, ['web']);
      assert.deepEqual((await call('GET', `/projects/${projectId}/databases`)).json(), []);
      assert.deepEqual((await call('GET', `/projects/${projectId}/config/drift`)).json(), appliedBefore);
    };

    // A backup schedule more often than the server allows (BERTH_BACKUP_MIN_INTERVAL_SECONDS), on the last object.
    const file = await exported();
    file.services.web!.replicas = 4;
    file.services.web!.variables = { ...(file.services.web!.variables as object), LOG_LEVEL: 'debug' };
    file.services.worker = { source: { type: 'push', branch: 'main' }, replicas: 2 };
    file.databases.cache = { engine: 'redis', backup: { schedule: '* * * * *' } };
    const schedule = await late(file);
    assert.equal(schedule.statusCode, 422, schedule.body);
    assert.match(schedule.json().error.message, /^databases\.cache\.backup\.schedule: Backups may run at most every/);
    assert.deepEqual(Object.keys(schedule.json().error.details), ['databases.cache.backup.schedule']);
    await unchanged();

    // A variable that refers to a service the project does not have, on the last service.
    delete file.databases.cache;
    file.services.zz = { source: { type: 'push', branch: 'main' }, variables: { API: '${{nosuch.URL}}' } };
    const reference = await late(file);
    assert.equal(reference.statusCode, 422, reference.body);
    assert.match(reference.json().error.message, /^services\.zz\.variables: .*nosuch/);
    await unchanged();

    // What existed keeps working: the same file without its mistake applies.
    delete file.services.zz;
    const fixed = await late(file);
    assert.equal(fixed.statusCode, 200, fixed.body);
    assert.equal((await call('GET', `/services/${webId}`)).json().replicas, 4);
    assert.equal((await call('GET', `/services/${webId}/variables`)).json().LOG_LEVEL, 'debug');
    file.services.web!.replicas = webBefore.replicas;
    delete file.services.worker;
    file.services.web!.variables = { ...(file.services.web!.variables as object) };
    delete (file.services.web!.variables as Record<string, unknown>).LOG_LEVEL;
    const back = (await call('POST', `/projects/${projectId}/config/plan`, { file, prune: true })).json() as Plan;
    const undone = await call('POST', `/projects/${projectId}/config/apply`, {
      file,
      prune: true,
      expectPlanHash: back.planHash,
    });
    assert.equal(undone.statusCode, 200, undone.body);
  });

  it('covers every environment (creating a missing one) and build args, never exporting a secret one', async () => {
    const patched = await call('PATCH', `/services/${webId}`, {
      build: { buildArgs: { NODE_VERSION: '20', NPM_TOKEN: 'npm_never_exported' } },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const file = await exported();
    assert.equal(file.environments, undefined, 'only production so far');
    const web = file.services.web!;
    assert.deepEqual((web.build as Record<string, unknown>).buildArgs, {
      NODE_VERSION: '20',
      NPM_TOKEN: { secret: true },
    });
    assert.doesNotMatch(JSON.stringify(file), /npm_never_exported/);

    (web.build as Record<string, unknown>).buildArgs = { NODE_VERSION: '22', NPM_TOKEN: { secret: true } };
    web.startCommand = 'node server.js --port $PORT';
    file.environments = {
      staging: {
        services: {
          web: {
            source: { type: 'push', branch: 'staging' },
            replicas: 2,
            build: { buildArgs: { NODE_VERSION: '22' } },
            variables: { MODE: 'staging' },
          },
        },
        databases: {},
      },
    };
    const plan = (await call('POST', `/projects/${projectId}/config/plan`, { file })).json() as Plan;
    assert.deepEqual(
      plan.changes.map((c) => [c.action, c.kind, c.path, c.old, c.new]),
      [
        ['update', 'setting', 'web.startCommand', null, 'node server.js --port $PORT'],
        ['update', 'setting', 'web.build.buildArgs.NODE_VERSION', '20', '22'],
        ['create', 'environment', 'staging', undefined, undefined],
        ['create', 'service', 'environments.staging.web', undefined, undefined],
        ['create', 'setting', 'environments.staging.web.build.buildArgs.NODE_VERSION', undefined, '22'],
        ['create', 'variable', 'environments.staging.web.variables.MODE', undefined, 'staging'],
      ],
    );
    const applied = await call('POST', `/projects/${projectId}/config/apply`, { file, expectPlanHash: plan.planHash });
    assert.equal(applied.statusCode, 200, applied.body);

    const stored = await t.db.selectFrom('services').select('build').where('id', '=', webId).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(stored.build).buildArgs, { NODE_VERSION: '22', NPM_TOKEN: 'npm_never_exported' });
    assert.equal((await call('GET', `/services/${webId}`)).json().startCommand, 'node server.js --port $PORT');
    const environments = (await call('GET', `/projects/${projectId}/environments`)).json() as Array<{ name: string }>;
    assert.deepEqual(environments.map((e) => e.name).sort(), ['production', 'staging']);
    const again = await exported();
    assert.deepEqual(Object.keys(again.environments as object), ['staging']);
    const staging = (again.environments as Record<string, File>).staging!;
    assert.equal(staging.services.web!.replicas, 2);
    assert.deepEqual(staging.services.web!.variables, { MODE: 'staging' });
    assert.deepEqual((staging.services.web!.source as { branch: string }).branch, 'staging');
    const none = (await call('POST', `/projects/${projectId}/config/plan`, { file: again })).json() as Plan;
    assert.deepEqual(none.changes, []);

    // A literal value for a secret build arg, and production named as another environment, are refused by path.
    const bad = structuredClone(again);
    (bad.services.web!.build as Record<string, unknown>).buildArgs = { NPM_TOKEN: 'literal' };
    (bad.environments as Record<string, unknown>).production = { services: {}, databases: {} };
    bad.services.web!.startCommand = 'node a.js && node b.js';
    const refused = await call('POST', `/projects/${projectId}/config/plan`, { file: bad });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.deepEqual(Object.keys(refused.json().error.details).sort(), [
      'environments.production',
      'services.web.build.buildArgs.NPM_TOKEN',
      'services.web.startCommand',
    ]);
  });

  it('refuses strangers before reading the body, and viewers', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${projectId}/config/apply`,
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    assert.equal(anonymous.statusCode, 401);
    const viewer = await addMember(t, 'viewer@example.com');
    await upsertGrant(t.db, { projectId, userId: viewer.id, role: 'viewer' }, nowIso());
    const asViewer = { authorization: `Bearer ${await tokenFor(t.db, viewer.id)}` };
    assert.equal((await call('GET', `/projects/${projectId}/config`, undefined, asViewer)).statusCode, 403);
    const plan = await call('POST', `/projects/${projectId}/config/plan`, { file: await exported() }, asViewer);
    assert.equal(plan.statusCode, 403);
  });

  it('shows on the project page whether the server still matches the file last applied', async () => {
    const other = (await call('POST', '/projects', { name: 'empty' })).json().id as string;
    const panel = await signedInClient(t.app);
    const card = async (id: string) => (await panel.get(`/projects/${id}/config-drift`, { 'hx-request': 'true' })).body;
    assert.match((await panel.get(`/projects/${projectId}`)).body, /hx-get="\/projects\/[^"]+\/config-drift"/);
    assert.match(await card(other), /id="project-file-empty"/);
    assert.match(await card(projectId), /id="project-file-matches"/);
    await call('PATCH', `/services/${webId}`, { replicas: 3 });
    const drifted = await card(projectId);
    assert.match(drifted, /id="project-file-drift"/);
    assert.match(drifted, /<code>~ web\.replicas 3 → 1<\/code>/);
  });
});
