/**
 * The environments API over the real app (fastify inject, real SQLite): create, list, rename, duplicate
 * (apps and their variables, sealed), delete with confirmation; shared project variables and their
 * `${{shared.KEY}}` references; every refusal (bad, reserved or taken name, production delete, no
 * verified backup to seed from, a viewer's write) is a clear 4xx and leaves nothing behind; writes are
 * audited. Nothing here runs a container (duplicates are of apps never deployed, databases empty-mode
 * only on a project without databases): test/integration/environments.test.ts covers Docker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, token, type Team } from '../helpers/team-fixture.js';

describe('environments over HTTP', () => {
  let t: TestApp;
  let team: Team;
  let owner: Record<string, string>;
  let viewer: Record<string, string>;
  let projectId: string;

  const api = (
    headers: Record<string, string>,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const names = async (id = projectId) =>
    (await api(owner, 'GET', `/projects/${id}/environments`)).json().map((e: { name: string }) => e.name);

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    owner = { authorization: `Bearer ${await token(t, team.users.owner.id)}` };
    viewer = { authorization: `Bearer ${await token(t, team.users.viewer.id)}` };
    const created = await api(owner, 'POST', '/projects', { name: 'shop' });
    assert.equal(created.statusCode, 201, created.body);
    projectId = created.json().id;
  });
  after(async () => {
    await t?.close();
  });

  it('creates and lists environments; production first, each with its own network', async () => {
    const created = await api(owner, 'POST', `/projects/${projectId}/environments`, { name: 'staging' });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().name, 'staging');
    assert.equal(created.json().isProduction, false);
    const list = (await api(viewer, 'GET', `/projects/${team.alpha}/environments`)).json();
    assert.deepEqual(
      list.map((e: { name: string }) => e.name),
      ['production'],
    );
    const mine = (await api(owner, 'GET', `/projects/${projectId}/environments`)).json();
    assert.deepEqual(
      mine.map((e: { name: string }) => e.name),
      ['production', 'staging'],
    );
    assert.equal(mine[0].networkName, `berth-${projectId}`, 'production keeps the project network');
    assert.equal(mine[1].networkName, `berth-${mine[1].id}`);
  });

  it('refuses bad, reserved and taken names, and a viewer, and creates nothing', async () => {
    const cases: Array<[unknown, number]> = [
      ['Staging', 422],
      ['has space', 422],
      ['-dash', 422],
      ['a--b', 422],
      ['x'.repeat(64), 422],
      ['shared', 409],
      ['admin', 409],
      ['staging', 409],
      ['production', 409],
    ];
    for (const [name, status] of cases) {
      const res = await api(owner, 'POST', `/projects/${projectId}/environments`, { name });
      assert.equal(res.statusCode, status, `${String(name)}: ${res.body}`);
      assert.ok(res.json().error.message, 'the refusal says why');
    }
    const denied = await api(viewer, 'POST', `/projects/${team.alpha}/environments`, { name: 'qa' });
    assert.equal(denied.statusCode, 403);
    assert.deepEqual(await names(), ['production', 'staging']);
    assert.deepEqual(await names(team.alpha), ['production']);
  });

  it('creates a service in an environment, with the environment in its hostname', async () => {
    const res = await api(owner, 'POST', `/projects/${projectId}/services`, {
      name: 'web',
      environment: 'staging',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.json().url, /^http:\/\/web-staging-shop\.localhost/);
    const unknown = await api(owner, 'POST', `/projects/${projectId}/services`, {
      name: 'api',
      environment: 'nope',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
    });
    assert.equal(unknown.statusCode, 404, unknown.body);
    // The same name in production is another service with its own hostname.
    const prod = await api(owner, 'POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
    });
    assert.equal(prod.statusCode, 201, prod.body);
    assert.match(prod.json().url, /^http:\/\/web-shop\.localhost/);
  });

  it('keeps shared variables sealed and lets services reference them', async () => {
    const set = await api(owner, 'PATCH', `/projects/${projectId}/shared-variables`, {
      REGION: 'eu-1',
      STRIPE_KEY: { value: 'sk_live_secret', secret: true },
    });
    assert.equal(set.statusCode, 200, set.body);
    const keys = await api(viewer, 'GET', `/projects/${team.alpha}/shared-variables`);
    assert.equal(keys.statusCode, 200);
    const list = (await api(owner, 'GET', `/projects/${projectId}/shared-variables`)).json();
    assert.deepEqual(
      list.map((v: { key: string; secret: boolean }) => [v.key, v.secret]),
      [
        ['REGION', false],
        ['STRIPE_KEY', true],
      ],
    );
    assert.ok(!JSON.stringify(list).includes('sk_live_secret'), 'lists never carry values');
    const raw = JSON.stringify(await t.db.selectFrom('shared_variables').selectAll().execute());
    assert.ok(!raw.includes('sk_live_secret') && !raw.includes('eu-1'), 'sealed at rest');

    const services = (await api(owner, 'GET', `/projects/${projectId}/services`)).json();
    const prodWeb = services.find((s: { url: string }) => s.url.includes('web-shop.'));
    const ok = await api(owner, 'PUT', `/services/${prodWeb.id}/variables`, {
      REGION: '${{shared.REGION}}',
      PLAIN: 'a b "c" ${{not.a.ref}}',
      TOKEN: { value: 'tok-123', secret: true },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const bad = await api(owner, 'PUT', `/services/${prodWeb.id}/variables`, { X: '${{shared.MISSING}}' });
    assert.equal(bad.statusCode, 422, bad.body);
    assert.match(bad.json().error.message, /no shared variable MISSING/);
    const resolved = await t.deploys.deps.catalog.resolveVariables(prodWeb.id);
    assert.equal(resolved.REGION, 'eu-1');

    const bogus = await api(owner, 'PATCH', `/projects/${projectId}/shared-variables`, { 'BAD KEY': 'x' });
    assert.equal(bogus.statusCode, 422, bogus.body);
    const gone = await api(owner, 'DELETE', `/projects/${projectId}/shared-variables/NOPE`);
    assert.equal(gone.statusCode, 404);
  });

  it('duplicates production: apps with settings and variables copied sealed, nothing deployed', async () => {
    const res = await api(owner, 'POST', `/projects/${projectId}/environments/production/duplicate`, {
      name: 'qa',
      databases: 'empty',
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.environment.name, 'qa');
    assert.equal(body.deployed, false);
    assert.deepEqual(
      body.services.map((s: { name: string }) => s.name),
      ['web'],
    );
    const copy = body.services[0];
    const original = await t.db
      .selectFrom('variables')
      .selectAll()
      .where('service_id', '=', copy.from)
      .orderBy('key')
      .execute();
    const copied = await t.db
      .selectFrom('variables')
      .selectAll()
      .where('service_id', '=', copy.id)
      .orderBy('key')
      .execute();
    assert.deepEqual(
      copied.map((v) => [v.key, v.value_encrypted, v.secret]),
      original.map((v) => [v.key, v.value_encrypted, v.secret]),
      'the sealed values are copied as they are: never decrypted',
    );
    const values = await t.ctx.variables.read(copy.id);
    assert.equal(values.PLAIN, 'a b "c" ${{not.a.ref}}');
    assert.equal(values.REGION, '${{shared.REGION}}', 'references stay references');
    const view = (await api(owner, 'GET', `/services/${copy.id}`)).json();
    assert.match(view.url, /^http:\/\/web-qa-shop\.localhost/);
    const deployments = await t.db.selectFrom('deployments').select('id').where('service_id', '=', copy.id).execute();
    assert.equal(deployments.length, 0);
  });

  it('duplicates cron jobs, volume settings and stacks (not domains); cron "paused" pauses; delete removes them', async () => {
    const cafe = (await api(owner, 'POST', '/projects', { name: 'cafe' })).json().id as string;
    const web = await api(owner, 'POST', `/projects/${cafe}/services`, {
      name: 'web',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
    });
    assert.equal(web.statusCode, 201, web.body);
    const webId = web.json().id as string;
    await t.ctx.cron.create(webId, { name: 'nightly', schedule: '0 3 * * *', command: ['echo', 'hi'] });
    await t.ctx.cron.create(webId, { name: 'off', schedule: '*/5 * * * *', command: 'true', enabled: false });
    await t.ctx.volumes.volumes.create(webId, { name: 'uploads', mountPath: '/data/uploads', shared: true });
    const compose = 'services:\n  app:\n    image: berth-test/busybox:latest\n    environment:\n      KEY: ${KEY}\n';
    const stack = await api(owner, 'POST', `/projects/${cafe}/stacks`, {
      name: 'blog',
      source: { type: 'paste', compose },
      routedService: 'app',
      routedPort: 80,
      variables: { KEY: { value: 'stack-secret', secret: true } },
    });
    assert.equal(stack.statusCode, 201, stack.body);
    await t.db
      .insertInto('domains')
      .values({ id: 'dom_cafe', service_id: webId, hostname: 'cafe.example.com' })
      .execute();

    const dup = await api(owner, 'POST', `/projects/${cafe}/environments/production/duplicate`, {
      name: 'staging',
      databases: 'empty',
    });
    assert.equal(dup.statusCode, 201, dup.body);
    const body = dup.json();
    assert.equal(body.cron, 'as-source');
    assert.deepEqual(
      body.services.map((s: Record<string, unknown>) => [s.name, s.cronJobs, s.volumes]),
      [['web', 2, 1]],
    );
    assert.deepEqual(
      body.stacks.map((s: Record<string, unknown>) => [s.name, s.from]),
      [['blog-staging', stack.json().id]],
    );
    const copyId = body.services[0].id as string;
    const jobs = await t.ctx.cron.list(copyId);
    assert.deepEqual(jobs.map((j) => [j.name, j.schedule, JSON.stringify(j.command), j.enabled]).sort(), [
      ['nightly', '0 3 * * *', '{"argv":["echo","hi"]}', true],
      ['off', '*/5 * * * *', '{"shell":"true"}', false],
    ]);
    const volumes = await t.ctx.volumes.volumes.listConfigured(copyId);
    assert.deepEqual(
      volumes.map((v) => [v.name, v.mountPath, v.shared, v.dockerName]),
      [['uploads', '/data/uploads', true, `berth-${copyId}-vol-uploads`]],
      'same settings, a new (empty) Docker volume of its own',
    );
    const copyDomains = await t.db.selectFrom('domains').select('hostname').where('service_id', '=', copyId).execute();
    assert.deepEqual(copyDomains, [], 'custom domains are not copied');
    const stacks = (await api(owner, 'GET', `/projects/${cafe}/stacks`)).json() as Array<Record<string, unknown>>;
    const copied = stacks.find((s) => s.name === 'blog-staging')!;
    assert.equal(copied.environmentId, body.environment.id);
    assert.equal(copied.status, 'created', 'not deployed');
    assert.match(String(copied.url), /^http:\/\/blog-staging-cafe\.localhost/);
    assert.deepEqual(
      (copied.variables as Record<string, unknown>).KEY,
      { value: null, secret: true },
      'the secret is copied sealed and stays masked',
    );
    assert.equal(stacks.find((s) => s.name === 'blog')!.environmentId, null);

    const paused = await api(owner, 'POST', `/projects/${cafe}/environments/production/duplicate`, {
      name: 'qa',
      databases: 'empty',
      cron: 'paused',
    });
    assert.equal(paused.statusCode, 201, paused.body);
    const pausedJobs = await t.ctx.cron.list(paused.json().services[0].id);
    assert.deepEqual(
      pausedJobs.map((j) => j.enabled),
      [false, false],
    );
    const badCron = await api(owner, 'POST', `/projects/${cafe}/environments/production/duplicate`, {
      name: 'qa2',
      databases: 'empty',
      cron: 'sometimes',
    });
    assert.equal(badCron.statusCode, 422, badCron.body);

    for (const env of ['staging', 'qa']) {
      const res = await api(owner, 'DELETE', `/projects/${cafe}/environments/${env}`, { confirm: env });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.deepEqual(
      ((await api(owner, 'GET', `/projects/${cafe}/stacks`)).json() as Array<{ name: string }>).map((s) => s.name),
      ['blog'],
    );
    const leftJobs = await t.db.selectFrom('cron_jobs').select('service_id').execute();
    assert.ok(!leftJobs.some((j) => j.service_id === copyId));
    const leftVolumes = await t.db
      .selectFrom('service_volumes')
      .select('service_id')
      .where('service_id', '=', copyId)
      .execute();
    assert.deepEqual(leftVolumes, []);
    assert.equal((await t.ctx.cron.list(webId)).length, 2, "production's jobs stay");
  });

  it('refuses bad duplicates with nothing created', async () => {
    const before = await names();
    const cases: Array<[string, object, number, RegExp]> = [
      [
        `/projects/${projectId}/environments/production/duplicate`,
        { name: 'qa', databases: 'empty' },
        409,
        /already has/,
      ],
      [
        `/projects/${projectId}/environments/production/duplicate`,
        { name: 'Bad', databases: 'empty' },
        422,
        /not allowed/,
      ],
      [
        `/projects/${projectId}/environments/production/duplicate`,
        { name: 'ok', databases: 'all' },
        422,
        /empty.*seed/,
      ],
      [`/projects/${projectId}/environments/nope/duplicate`, { name: 'ok', databases: 'empty' }, 404, /no environment/],
      [
        `/projects/${projectId}/environments/production/duplicate`,
        { name: 'x'.repeat(60), databases: 'empty' },
        422,
        /longer than 63/,
      ],
    ];
    for (const [url, payload, status, message] of cases) {
      const res = await api(owner, 'POST', url, payload);
      assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
      assert.match(res.json().error.message, message);
    }
    assert.deepEqual(await names(), before);
    // alpha's database has only an unfinished backup: seeding has nothing verified to start from.
    const seed = await api(owner, 'POST', `/projects/${team.alpha}/environments/production/duplicate`, {
      name: 'staging',
      databases: 'seed',
    });
    assert.equal(seed.statusCode, 409, seed.body);
    assert.match(seed.json().error.message, /"db" has no verified backup/);
    assert.deepEqual(await names(team.alpha), ['production']);
    const services = await t.db.selectFrom('services').select('id').where('project_id', '=', team.alpha).execute();
    assert.equal(services.length, 2, 'the web app and the db, nothing more');
  });

  it('renames only empty environments and never production', async () => {
    const prod = await api(owner, 'PATCH', `/projects/${projectId}/environments/production`, { name: 'live' });
    assert.equal(prod.statusCode, 409);
    const busy = await api(owner, 'PATCH', `/projects/${projectId}/environments/qa`, { name: 'test' });
    assert.equal(busy.statusCode, 409, 'qa has a service');
    await api(owner, 'POST', `/projects/${projectId}/environments`, { name: 'empty' });
    const renamed = await api(owner, 'PATCH', `/projects/${projectId}/environments/empty`, { name: 'scratch' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().name, 'scratch');
  });

  it('deletes an environment with its services once confirmed; production never', async () => {
    const prod = await api(owner, 'DELETE', `/projects/${projectId}/environments/production`, {
      confirm: 'production',
    });
    assert.equal(prod.statusCode, 409, prod.body);
    assert.match(prod.json().error.message, /production environment cannot be deleted/);
    const unconfirmed = await api(owner, 'DELETE', `/projects/${projectId}/environments/qa`, { confirm: 'staging' });
    assert.equal(unconfirmed.statusCode, 400);
    const viewerTry = await api(viewer, 'DELETE', `/projects/${team.alpha}/environments/production`, {
      confirm: 'production',
    });
    assert.equal(viewerTry.statusCode, 403);
    assert.deepEqual(await names(), ['production', 'staging', 'qa', 'scratch']);

    const qaServices = await t.db
      .selectFrom('services')
      .innerJoin('environments', 'environments.id', 'services.environment_id')
      .select('services.id')
      .where('environments.name', '=', 'qa')
      .execute();
    assert.equal(qaServices.length, 1);
    const res = await api(owner, 'DELETE', `/projects/${projectId}/environments/qa`, { confirm: 'qa' });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().steps.some((s: string) => s.startsWith('Deleted service "web"')));
    assert.deepEqual(await names(), ['production', 'staging', 'scratch']);
    const left = await t.db.selectFrom('services').select('id').where('id', '=', qaServices[0]!.id).execute();
    assert.equal(left.length, 0);
  });

  it('audits environment and shared-variable changes without values', async () => {
    const events = await t.db.selectFrom('audit_events').selectAll().where('action', 'like', 'environment.%').execute();
    const actions = new Set(events.map((e) => e.action));
    for (const action of ['environment.create', 'environment.duplicate', 'environment.delete', 'environment.rename']) {
      assert.ok(actions.has(action), `${action} recorded`);
    }
    const shared = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'shared-variables.set')
      .execute();
    assert.ok(shared.length > 0);
    assert.ok(!JSON.stringify(shared).includes('sk_live_secret'));
  });
});
