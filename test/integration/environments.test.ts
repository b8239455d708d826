/**
 * Environments on a real daemon and Docker engine: production has a git app (built from a Dockerfile)
 * and a Postgres database with a row and a verified backup; duplicating it into staging with "seed" and
 * deploy: true gives staging its own containers on its own network, its own database (a new one, seeded
 * from that backup: the row is there, a row written later is not), and the app's variables copied (plain
 * values byte for byte, `${{pg.DATABASE_URL}}` resolved to STAGING's database, `${{shared.REGION}}` to the
 * shared value), the app's cron job (active as in production) and volume (a new, empty one of its own), and
 * a copy of the project's compose stack, `blog-staging`, started on its own network and answering on its
 * own hostname. A duplicate with "empty" gets an empty database. Deleting staging leaves nothing of it in
 * Docker (by label: apps, databases, volumes, the stack copy's containers and network), and production keeps
 * serving with its data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { stackSelector } from '../../src/workloads/stack-spec.js';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';
import { berth } from '../helpers/cli-runner.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TRICKY = 'line one\nline two $HOME ${{not.a.ref}} "double" \'single\' `tick` \\ back\ttab é 🚢';
type Db = { id: string; status: string; lastError: string | null; environmentId: string };
type Env = { id: string; name: string; networkName: string };
type Duplicate = {
  environment: Env;
  services: Array<{ id: string; name: string; from: string; cronJobs: number; volumes: number }>;
  stacks: Array<{ id: string; name: string; from: string }>;
  databases: Array<{ id: string; name: string; from: string; seededFrom: string | null }>;
  deployed: boolean;
};

describe('environments on Docker: duplicate production into staging, then delete it', () => {
  const runtime = new DockerRuntime(testDockerEndpoint());
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let projectId: string;
  let webId: string;
  let pg: Db;
  let prodPassword: string;
  let staging: Duplicate;
  let blogId: string;
  // A busybox web server answering `blog-$GEN` (`$$`: not a compose variable); ends on SIGTERM at once.
  const blogCompose = [
    'services:',
    '  site:',
    '    image: berth-test/busybox:latest',
    `    command: ["sh", "-c", "mkdir -p /www && echo blog-$$GEN > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]`,
    '    environment:',
    '      GEN: ${GEN}',
    '',
  ].join('\n');

  const waitFor = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const databaseReady = async (id: string) => {
    const ready = await waitFor(
      'database',
      async () => (await h.api<Db>('GET', `/databases/${id}`)).body,
      (d) => d.status !== 'creating',
    );
    assert.equal(ready.status, 'running', ready.lastError ?? '');
    return ready;
  };
  const credentials = async (id: string) =>
    (await h.api<{ variables: Record<string, string> }>('GET', `/databases/${id}/credentials`)).body.variables;
  const psql = async (id: string, sql: string) => {
    const [c] = await runtime.listContainers({ 'berth.service': id, 'berth.role': 'database' });
    assert.ok(c, `no container for database ${id}`);
    const password = (await credentials(id)).PGPASSWORD!;
    const argv = ['psql', '-h', '127.0.0.1', '-U', 'app', '-d', 'app', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql];
    const result = await runtime.exec(c.id, argv, { env: { PGPASSWORD: password } });
    return { code: result.exitCode, out: result.stdout.trim(), err: result.stderr };
  };
  const answer = async (host: string, path: string) => (await get(h.proxyPort, host, path)).body;

  before(async () => {
    await runtime.start();
    git = await startGitServer();
    repo = await git.createRepo('shop-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({ BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15' });
  });
  after(async () => {
    await h?.close();
    await git?.close();
    // What the harness does not know: environment networks and database volumes of this file's project.
    if (projectId) {
      for (const stack of staging?.stacks ?? []) await runtime.removeContainersByLabel(stackSelector(stack.id));
      for (const n of await runtime.listNetworks({ 'berth.project': projectId })) {
        await runtime.removeNetwork(n.name).catch(() => {});
      }
      for (const v of await runtime.listVolumes({ 'berth.project': projectId })) {
        await runtime.removeVolume(v.name).catch(() => {});
      }
    }
    await runtime.stop();
  });

  it('sets up production: an app with variables, a database with a row and a verified backup', async () => {
    ({ projectId, serviceId: webId } = await createFixtureService(h.api, {
      project: 'shop',
      service: 'web',
      repoUrl: repo.url,
    }));
    const created = await h.api<Db>('POST', `/projects/${projectId}/databases`, { name: 'pg', engine: 'postgres' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    pg = await databaseReady(created.body.id);
    prodPassword = (await credentials(pg.id)).PGPASSWORD!;
    assert.equal((await psql(pg.id, 'create table items (name text)')).code, 0);
    assert.equal((await psql(pg.id, "insert into items values ('before the backup')")).code, 0);
    const shared = await h.api('PATCH', `/projects/${projectId}/shared-variables`, { REGION: 'eu-1' });
    assert.equal(shared.status, 200, JSON.stringify(shared.body));
    const vars = await h.api('PUT', `/services/${webId}/variables`, {
      TRICKY,
      DB_URL: '${{pg.DATABASE_URL}}',
      REGION: '${{shared.REGION}}',
      API_TOKEN: { value: 'tok-secret-1', secret: true },
    });
    assert.equal(vars.status, 200, JSON.stringify(vars.body));

    const started = await h.api<{ id: string }>('POST', `/databases/${pg.id}/backups`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const backup = await waitFor(
      'backup',
      async () => (await h.api<{ status: string; error: string | null }>('GET', `/backups/${started.body.id}`)).body,
      (b) => b.status !== 'running',
    );
    assert.equal(backup.status, 'verified', backup.error ?? '');
    assert.equal((await psql(pg.id, "insert into items values ('after the backup')")).code, 0);

    // What a duplicate copies beside the apps: a cron job, a volume's settings, a compose stack.
    const job = await h.api('POST', `/services/${webId}/cron-jobs`, {
      name: 'nightly',
      schedule: '0 3 * * *',
      command: ['echo', 'nightly'],
    });
    assert.equal(job.status, 201, JSON.stringify(job.body));
    const volume = await h.api('POST', `/services/${webId}/volumes`, { name: 'uploads', mountPath: '/data/uploads' });
    assert.equal(volume.status, 201, JSON.stringify(volume.body));
    const blog = await h.api<{ id: string }>('POST', `/projects/${projectId}/stacks`, {
      name: 'blog',
      source: { type: 'paste', compose: blogCompose },
      routedService: 'site',
      routedPort: 8080,
      variables: { GEN: 'one' },
    });
    assert.equal(blog.status, 201, JSON.stringify(blog.body));
    blogId = blog.body.id;
  });

  it('duplicates production into staging: own database seeded from the backup, own network, deployed', async () => {
    const res = await h.api<Duplicate>('POST', `/projects/${projectId}/environments/production/duplicate`, {
      name: 'staging',
      databases: 'seed',
      deploy: true,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    staging = res.body;
    assert.equal(staging.deployed, true);
    const [web] = staging.services;
    const [db] = staging.databases;
    assert.ok(web && db);
    assert.notEqual(db.id, pg.id);
    assert.ok(db.seededFrom, 'seeded from a backup');

    // The seeded database has what the backup had, and nothing written after it.
    assert.equal((await psql(db.id, 'select name from items order by name')).out, 'before the backup');
    const stagingCredentials = await credentials(db.id);
    assert.notEqual(stagingCredentials.PGPASSWORD, prodPassword, 'a new database has new credentials');

    const deployments = await h.api<Array<{ id: string }>>('GET', `/services/${web.id}/deployments`);
    assert.equal(deployments.status, 200);
    const deployment = await h.waitForDeployment(deployments.body[0]!.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.match(String(deployment.url), /^http:\/\/web-staging-shop\.localhost:\d+$/);

    const host = 'web-staging-shop.localhost';
    assert.equal(await answer(host, '/env/TRICKY'), TRICKY, 'plain values byte for byte');
    assert.equal(
      await answer(host, '/env/DB_URL'),
      stagingCredentials.DATABASE_URL,
      "references resolve to staging's database",
    );
    assert.equal(await answer(host, '/env/REGION'), 'eu-1');
    assert.equal(await answer(host, '/env/API_TOKEN'), 'tok-secret-1');

    // Its own containers, labelled with the environment, on its own network only.
    const containers = await runtime.listContainers({ 'berth.environment': staging.environment.id });
    assert.ok(containers.length >= 2, 'the app replica and the database');
    for (const c of containers) {
      const details = await runtime.inspectContainer(c.id);
      assert.deepEqual(Object.keys(details!.ipAddresses), [staging.environment.networkName], c.name);
    }
    assert.notEqual(staging.environment.networkName, `berth-${projectId}`);
    // Production's database is untouched: both rows are still there.
    assert.equal((await psql(pg.id, 'select count(*) from items')).out, '2');

    // The cron job (active, as in production), a new volume of the copy's own, and the stack's copy.
    assert.deepEqual([web.cronJobs, web.volumes], [1, 1]);
    const jobs = await h.api<Array<{ name: string; enabled: boolean }>>('GET', `/services/${web.id}/cron-jobs`);
    assert.deepEqual(
      jobs.body.map((j) => [j.name, j.enabled]),
      [['nightly', true]],
    );
    const volumes = await runtime.listVolumes({ 'berth.service': web.id });
    assert.deepEqual(
      volumes.map((v) => v.name),
      [`berth-${web.id}-vol-uploads`],
    );
    assert.deepEqual(
      staging.stacks.map((s) => [s.name, s.from]),
      [['blog-staging', blogId]],
    );
    const stackCopy = await waitFor(
      'stack copy',
      async () =>
        (await h.api<{ status: string; error: string | null }>('GET', `/stacks/${staging.stacks[0]!.id}`)).body,
      (s) => s.status === 'running' || s.status === 'failed',
      180_000,
    );
    assert.equal(stackCopy.status, 'running', stackCopy.error ?? '');
    assert.equal((await answer('blog-staging-shop.localhost', '/')).trim(), 'blog-one');
    assert.equal((await get(h.proxyPort, 'blog-shop.localhost', '/')).status, 404, 'the source stack was not started');
  });

  it('duplicates with empty databases: a new, empty database', async () => {
    const res = await h.api<Duplicate>('POST', `/projects/${projectId}/environments/staging/duplicate`, {
      name: 'blank',
      databases: 'empty',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.deployed, false);
    const [db] = res.body.databases;
    assert.equal(db!.seededFrom, null);
    await databaseReady(db!.id);
    const query = await psql(db!.id, 'select count(*) from items');
    assert.notEqual(query.code, 0, 'no items table in an empty database');
    assert.match(query.err, /relation "items" does not exist/);
    const deleted = await h.api('DELETE', `/projects/${projectId}/environments/blank`, { confirm: 'blank' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  });

  it('berth env list|create|duplicate|delete: human output, --json, exit codes', async () => {
    const home = mkdtempSync(join(tmpdir(), 'berth-env-cli-'));
    const cli = (args: string[], stdin?: string) => berth(args, { cwd: home, configDir: join(home, 'config'), stdin });
    try {
      const login = await cli(['login', '--server', h.panelUrl, '--token-stdin'], `${h.token}\n`);
      assert.equal(login.code, 0, login.stderr);
      const list = await cli(['env', 'list', '--project', 'shop']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^production \(production\)/m);
      assert.match(list.stdout, /^staging +\d+ service\(s\)/m);
      const created = await cli(['env', 'create', 'review', '--project', 'shop', '--json']);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(JSON.parse(created.stdout).name, 'review');
      const missing = await cli(['env', 'duplicate', 'nope', 'other', '--databases', 'empty', '--project', 'shop']);
      assert.equal(missing.code, 4, missing.stderr);
      const noMode = await cli(['env', 'duplicate', 'review', 'other', '--project', 'shop']);
      assert.equal(noMode.code, 2, noMode.stderr);
      const dup = await cli(['env', 'duplicate', 'review', 'review-copy', '--databases', 'empty', '--project', 'shop']);
      assert.equal(dup.code, 0, dup.stderr);
      assert.match(
        dup.stdout,
        /Duplicated review into review-copy: 0 app\(s\), 0 database\(s\); nothing deployed yet\./,
      );
      const deleted = await cli(['env', 'delete', 'review-copy', '--confirm', 'review-copy', '--project', 'shop']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /Deleted environment "review-copy"/);
      const api = await h.api('DELETE', `/projects/${projectId}/environments/review`, { confirm: 'review' });
      assert.equal(api.status, 200, JSON.stringify(api.body));
      const prod = await cli(['env', 'delete', 'production', '--confirm', 'production', '--project', 'shop']);
      assert.equal(prod.code, 1, prod.stderr);
      assert.match(prod.stderr, /cannot be deleted/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('deletes staging: nothing of it is left in Docker, production keeps serving', async () => {
    const envId = staging.environment.id;
    const stagingDb = staging.databases[0]!;
    const refused = await h.api('DELETE', `/projects/${projectId}/environments/production`, { confirm: 'production' });
    assert.equal(refused.status, 409);
    const res = await h.api<{ steps: string[] }>('DELETE', `/projects/${projectId}/environments/staging`, {
      confirm: 'staging',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await runtime.listContainers({ 'berth.environment': envId }), []);
    assert.deepEqual(await runtime.listNetworks({ 'berth.environment': envId }), []);
    assert.deepEqual(await runtime.listVolumes({ 'berth.environment': envId }), []);
    assert.deepEqual(await runtime.listContainers({ 'berth.service': stagingDb.id }), []);
    assert.deepEqual(await runtime.listContainers({ 'berth.service': staging.services[0]!.id }), []);
    assert.deepEqual(await runtime.listVolumes({ 'berth.service': staging.services[0]!.id }), []);
    const stackCopy = staging.stacks[0]!;
    assert.ok(res.body.steps.some((s) => s.startsWith('Deleted compose stack "blog-staging"')));
    assert.deepEqual(await runtime.listContainers(stackSelector(stackCopy.id)), []);
    assert.deepEqual(await runtime.listNetworks(stackSelector(stackCopy.id)), []);
    assert.equal((await h.api('GET', `/stacks/${stackCopy.id}`)).status, 404);
    assert.equal((await h.api('GET', `/stacks/${blogId}`)).status, 200, "production's stack stays");
    assert.equal((await h.api('GET', `/services/${staging.services[0]!.id}/cron-jobs`)).status, 404);
    assert.equal((await get(h.proxyPort, 'blog-staging-shop.localhost', '/')).status, 404);
    assert.equal((await get(h.proxyPort, 'web-staging-shop.localhost', '/env/REGION')).status, 404);
    const envs = await h.api<Env[]>('GET', `/projects/${projectId}/environments`);
    assert.deepEqual(
      envs.body.map((e) => e.name),
      ['production'],
    );
    assert.equal((await psql(pg.id, 'select count(*) from items')).out, '2');
    assert.equal((await h.api<Db>('GET', `/databases/${pg.id}`)).body.status, 'running');
  });
});
