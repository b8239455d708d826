/**
 * Managed databases end to end on REAL containers: Postgres, MariaDB, the mysql engine (run on the
 * MariaDB stand-in image: no MySQL image can be built here; same env contract and mysql* tools) and
 * Redis, built by scripts/test-env.sh. An app linked through `${{db.DATABASE_URL}}` reaches them on the
 * project network and writes and reads its own rows/keys (the db-probe fixture speaks each wire protocol);
 * backups are dumped, verified by a restore into a throwaway container, and restored; the app reads its
 * data back.
 * One daemon for the file; the tests build on each other in order.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitForDeployment } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';
import { freePort } from '../helpers/daemon-process.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';

const IMAGES = {
  BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15',
  BERTH_DB_IMAGE_MARIADB: 'berth-test/mariadb:10.11',
  BERTH_DB_IMAGE_MYSQL: 'berth-test/mariadb:10.11',
  BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7',
};
const HOST = 'web-store.localhost';

type Db = { id: string; name: string; status: string; health: string; lastError: string | null; engine: string };
type Backup = {
  id: string;
  status: string;
  error: string | null;
  sizeBytes: number;
  sha256: string;
  trigger: string;
  sourceCounts: Record<string, number>;
  restoredCounts: Record<string, number>;
};

describe('managed databases', () => {
  let h: Harness;
  let git: GitServer;
  const runtime = new DockerRuntime(testDockerEndpoint());
  let projectId: string;
  let appId: string;
  const dbs: Record<string, Db> = {};
  const secrets: Record<string, Record<string, string>> = {};
  const createdIds: string[] = [];

  const waitFor = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline)
        throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const getDb = async (id: string) => (await h.api<Db>('GET', `/databases/${id}`)).body;
  const backupNow = async (id: string) => {
    const started = await h.api<Backup>('POST', `/databases/${id}/backups`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.status, 'running');
    return waitFor(
      'backup',
      async () => (await h.api<Backup>('GET', `/backups/${started.body.id}`)).body,
      (b) => b.status !== 'running',
    );
  };
  const containerOf = async (id: string) => {
    const [c] = await runtime.listContainers({ 'berth.service': id, 'berth.role': 'database' });
    assert.ok(c, `no container for database ${id}`);
    return c.id;
  };
  const exec = async (id: string, argv: string[], env: Record<string, string> = {}) => {
    const result = await runtime.exec(await containerOf(id), argv, { env });
    assert.equal(result.exitCode, 0, result.stderr);
    return result.stdout.trim();
  };
  const psql = (sql: string) =>
    exec(dbs.db!.id, ['psql', '-h', '127.0.0.1', '-U', 'app', '-d', 'app', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      PGPASSWORD: secrets.db!.PGPASSWORD!,
    });
  const maria = (name: string, sql: string) =>
    exec(dbs[name]!.id, ['mysql', '-h', '127.0.0.1', '-u', 'app', 'app', '-N', '-B', '-e', sql], {
      MYSQL_PWD: secrets[name]!.MYSQLPASSWORD!,
    });
  // The APP runs SQL through its resolved variable (DATABASE_URL, MARIA_URL, MYSQL_URL).
  const appSqlAnswer = async (variable: string, sql: string) => {
    const path = `/sql?var=${variable}&q=${encodeURIComponent(sql)}`;
    const answer = await get(h.proxyPort, HOST, path);
    return { status: answer.status, ...(JSON.parse(answer.body) as { rows?: (string | null)[][]; error?: string }) };
  };
  const appSql = async (variable: string, sql: string) => {
    const answer = await appSqlAnswer(variable, sql);
    assert.equal(answer.status, 200, `${sql}: ${answer.error}`);
    return answer.rows!;
  };
  const redis = async (cmd: string, ...args: string[]) => {
    const path = `/redis?var=REDIS_URL&cmd=${cmd}&args=${encodeURIComponent(args.join(','))}`;
    return JSON.parse((await get(h.proxyPort, HOST, path)).body) as { auth: string; reply: string | null };
  };

  // Everything the daemon logs (at info level) is kept, to check no credential ever reaches a log line.
  const logged: string[] = [];
  const realWrite = process.stdout.write.bind(process.stdout);

  before(async () => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(String(chunk));
      return realWrite(chunk, ...rest);
    }) as typeof process.stdout.write;
    await runtime.start();
    git = await startGitServer();
    h = await startHarness({ ...IMAGES, BERTH_BACKUP_MIN_INTERVAL_SECONDS: '1', BERTH_LOG_LEVEL: 'info' });
  });
  after(async () => {
    process.stdout.write = realWrite;
    await h?.close();
    await git?.close();
    for (const id of createdIds) await runtime.removeVolume(`berth-${id}-data`).catch(() => {});
    await runtime.stop();
  });

  it('creates Postgres, MariaDB, MySQL (on the MariaDB image) and Redis, each healthy on its own volume', async () => {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'store' });
    assert.equal(project.status, 201);
    projectId = project.body.id;
    const started = Date.now();
    const specs = { db: 'postgres', maria: 'mariadb', mysql: 'mysql', cache: 'redis' };
    for (const [name, engine] of Object.entries(specs)) {
      const created = await h.api<Db>('POST', `/projects/${projectId}/databases`, { name, engine, memoryMb: 256 });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'creating');
      createdIds.push(created.body.id);
      dbs[name] = created.body;
    }
    for (const name of Object.keys(specs)) {
      dbs[name] = await waitFor(
        `database ${name}`,
        () => getDb(dbs[name]!.id),
        (d) => d.status !== 'creating',
      );
      assert.equal(dbs[name]!.status, 'running', String(dbs[name]!.lastError));
      assert.equal(dbs[name]!.health, 'healthy');
    }
    console.log(`# four databases healthy ${Date.now() - started} ms after create`);

    const duplicate = await h.api('POST', `/projects/${projectId}/databases`, { name: 'db', engine: 'redis' });
    assert.equal(duplicate.status, 409);
    const badEngine = await h.api('POST', `/projects/${projectId}/databases`, { name: 'other', engine: 'oracle' });
    // Well-formed, but no such engine: invalid input (422), not a malformed request (400).
    assert.equal(badEngine.status, 422);

    // Only on the project network: nothing published on the host.
    const details = await runtime.inspectContainer(await containerOf(dbs.db!.id));
    assert.deepEqual(details!.ports, {});
    assert.equal(details!.labels['berth.service'], dbs.db!.id);
  });

  it('reveals connection variables on request only; lists never carry a credential', async () => {
    for (const name of Object.keys(dbs)) {
      const revealed = await h.api<{ variables: Record<string, string> }>(
        'GET',
        `/databases/${dbs[name]!.id}/credentials`,
      );
      assert.equal(revealed.status, 200);
      secrets[name] = revealed.body.variables;
    }
    assert.match(secrets.db!.DATABASE_URL!, /^postgresql:\/\/app:[A-Za-z0-9_-]{43}@db:5432\/app$/);
    assert.equal(secrets.db!.PGHOST, 'db');
    assert.match(secrets.maria!.DATABASE_URL!, /^mysql:\/\/app:.+@maria:3306\/app$/);
    assert.match(secrets.cache!.REDIS_URL!, /^redis:\/\/default:.+@cache:6379$/);
    const list = JSON.stringify((await h.api('GET', `/projects/${projectId}/databases`)).body);
    const one = JSON.stringify((await h.api('GET', `/databases/${dbs.db!.id}`)).body);
    for (const vars of Object.values(secrets)) {
      const password = vars.PGPASSWORD ?? vars.MYSQLPASSWORD ?? vars.REDISPASSWORD!;
      assert.ok(!list.includes(password) && !one.includes(password), 'a password leaked into a list response');
    }
    assert.match(list, /"variableNames":\["DATABASE_URL"/);
  });

  it('refuses a reference to an unknown service or variable when the variable is saved', async () => {
    const repo = await git.createRepo('store-web', fixtureFiles('db-probe'));
    const service = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
      port: 3000,
      healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
      build: { buildArgs: { BASE_IMAGE: 'berth-test/node:20-slim' } },
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    appId = service.body.id;
    const unknownService = await h.api<{ error: { code: string; message: string } }>(
      'PUT',
      `/services/${appId}/variables`,
      {
        DATABASE_URL: '${{nope.DATABASE_URL}}',
      },
    );
    assert.equal(unknownService.status, 422);
    assert.equal(unknownService.body.error.code, 'VARIABLE_REFERENCE_INVALID');
    assert.match(unknownService.body.error.message, /no other service named "nope"/);
    const unknownVar = await h.api<{ error: { message: string } }>('PUT', `/services/${appId}/variables`, {
      X: 'before ${{db.NOPE}} after',
    });
    assert.equal(unknownVar.status, 422);
    assert.match(unknownVar.body.error.message, /service "db" has no variable NOPE \(it has: DATABASE_URL, PGDATABASE/);
    assert.ok(!unknownVar.body.error.message.includes(secrets.db!.PGPASSWORD!));
  });

  it('connects the databases to an app: ${{db.DATABASE_URL}} reaches the app resolved, over the project network', async () => {
    const connect = await h.api<{ key: string; value: string }>('POST', `/databases/${dbs.db!.id}/connect`, {
      serviceId: appId,
    });
    assert.deepEqual(connect.body, { key: 'DATABASE_URL', value: '${{db.DATABASE_URL}}' });
    for (const [name, key] of [
      ['maria', 'MARIA_URL'],
      ['mysql', 'MYSQL_URL'],
      ['cache', undefined],
    ] as const) {
      const r = await h.api('POST', `/databases/${dbs[name]!.id}/connect`, { serviceId: appId, key });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const created = await h.api<{ id: string }>('POST', `/services/${appId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await waitForDeployment(h.api, created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));

    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const pg = JSON.parse((await get(h.proxyPort, HOST, '/probe?var=DATABASE_URL')).body);
    assert.deepEqual(
      { ...pg },
      {
        protocol: 'postgresql',
        host: 'db',
        port: 5432,
        user: 'app',
        database: 'app',
        passwordSha256: sha(secrets.db!.PGPASSWORD!),
        greeting: 'N',
      },
    );
    for (const [name, key] of [
      ['maria', 'MARIA_URL'],
      ['mysql', 'MYSQL_URL'],
    ] as const) {
      const my = JSON.parse((await get(h.proxyPort, HOST, `/probe?var=${key}`)).body);
      assert.equal(my.host, name);
      assert.equal(my.passwordSha256, sha(secrets[name]!.MYSQLPASSWORD!));
      assert.match(my.greeting, /^protocol 10 server .*MariaDB/);
    }
    // The app itself runs SQL through each resolved URL (SCRAM-SHA-256 for Postgres, native password for
    // MariaDB) and gets the server's own error for a bad statement.
    assert.deepEqual(await appSql('DATABASE_URL', "select current_user, current_database(), 'ok'"), [
      ['app', 'app', 'ok'],
    ]);
    assert.deepEqual(await appSql('MARIA_URL', 'select current_user(), database()'), [['app@%', 'app']]);
    const missing = await appSqlAnswer('DATABASE_URL', 'select * from missing_table');
    assert.equal(missing.status, 500);
    assert.match(String(missing.error), /relation "missing_table" does not exist/);
    const missingMaria = await appSqlAnswer('MYSQL_URL', 'select * from missing_table');
    assert.equal(missingMaria.status, 500);
    assert.match(String(missingMaria.error), /Table 'app\.missing_table' doesn't exist/);
    // Redis: the app itself writes and reads through the resolved REDIS_URL.
    assert.deepEqual(await redis('SET', 'greeting', 'hello'), { auth: '+OK', reply: '+OK' });
    assert.deepEqual(await redis('GET', 'greeting'), { auth: '+OK', reply: 'hello' });

    // The deployment log never shows a resolved credential.
    const logs = await h.api<{ lines: string[] }>('GET', `/deployments/${created.body.id}/logs`);
    const text = logs.body.lines.join('\n');
    for (const vars of Object.values(secrets)) {
      for (const v of Object.values(vars))
        if (v.length > 20) assert.ok(!text.includes(v), 'a credential leaked into a deploy log');
    }
  });

  it('backs up each engine, verified by a restore into a throwaway copy, and restores after the data is destroyed', async () => {
    // The app writes its data through its resolved URLs.
    await appSql('DATABASE_URL', 'create table items(id int primary key, name text)');
    await appSql('DATABASE_URL', "insert into items select g, 'item ' || g from generate_series(1, 500) g");
    for (const [variable, values] of [
      ['MARIA_URL', "(1,'a'),(2,'b'),(3,'c')"],
      ['MYSQL_URL', "(1,'x'),(2,'y')"],
    ] as const) {
      await appSql(variable, 'create table t(id int primary key, v text)');
      await appSql(variable, `insert into t values ${values}`);
    }
    await redis('SET', 'counter', '42');
    // The database itself holds what the app wrote.
    assert.equal(await psql('select count(*) from items'), '500');
    assert.equal(await maria('maria', 'select group_concat(v order by id) from t'), 'a,b,c');

    const backups = await Promise.all(['db', 'maria', 'mysql', 'cache'].map((n) => backupNow(dbs[n]!.id)));
    for (const b of backups) {
      assert.equal(b.status, 'verified', String(b.error));
      assert.match(b.sha256, /^[a-f0-9]{64}$/);
      assert.ok(b.sizeBytes > 0);
      assert.deepEqual(b.restoredCounts, b.sourceCounts);
    }
    assert.deepEqual(backups[0]!.sourceCounts, { 'public.items': 500 });
    assert.deepEqual(backups[1]!.sourceCounts, { t: 3 });
    assert.deepEqual(backups[2]!.sourceCounts, { t: 2 });
    assert.deepEqual(backups[3]!.sourceCounts, { db0: 2 });
    // No throwaway container is left behind.
    assert.equal((await runtime.listContainers({ 'berth.project': projectId, 'berth.role': 'verify' })).length, 0);

    // The download is the stored file, with its checksum.
    const download = await fetch(`${h.panelUrl}/api/v1/backups/${backups[0]!.id}/download`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), backups[0]!.sha256);
    assert.equal(download.headers.get('x-checksum-sha256'), backups[0]!.sha256);

    // Destroy the data, and see from the app that it is gone.
    await psql('drop table items');
    await maria('maria', 'delete from t');
    await maria('mysql', 'drop table t');
    await redis('FLUSHALL');
    assert.equal((await redis('GET', 'greeting')).reply, null);
    assert.match(String((await appSqlAnswer('DATABASE_URL', 'select count(*) from items')).error), /does not exist/);
    assert.deepEqual(await appSql('MARIA_URL', 'select count(*) from t'), [['0']]);
    assert.equal((await appSqlAnswer('MYSQL_URL', 'select count(*) from t')).status, 500);

    const refused = await h.api<{ error: { code: string } }>('POST', `/backups/${backups[0]!.id}/restore`, {
      confirm: 'wrong',
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'CONFIRMATION_REQUIRED');
    for (const [i, name] of ['db', 'maria', 'mysql', 'cache'].entries()) {
      const restored = await h.api('POST', `/backups/${backups[i]!.id}/restore`, { confirm: name });
      assert.equal(restored.status, 200, JSON.stringify(restored.body));
    }
    // The app reads its rows back through the same URLs.
    assert.deepEqual(await appSql('DATABASE_URL', 'select count(*) from items'), [['500']]);
    assert.deepEqual(await appSql('DATABASE_URL', 'select id, name from items where id in (1, 42) order by id'), [
      ['1', 'item 1'],
      ['42', 'item 42'],
    ]);
    assert.deepEqual(await appSql('MARIA_URL', 'select id, v from t order by id'), [
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ]);
    assert.deepEqual(await appSql('MYSQL_URL', 'select id, v from t order by id'), [
      ['1', 'x'],
      ['2', 'y'],
    ]);
    assert.equal((await redis('GET', 'greeting')).reply, 'hello');
    assert.equal((await redis('GET', 'counter')).reply, '42');
    assert.equal((await getDb(dbs.cache!.id)).status, 'running');
  });

  it('records a failing dump (wrong password, stopped database) with the tool stderr, and retention leaves older backups alone', async () => {
    const setKeep = await h.api('PUT', `/databases/${dbs.maria!.id}/backup-schedule`, { keep: 2 });
    assert.equal(setKeep.status, 200, JSON.stringify(setKeep.body));
    const before = (await h.api<Backup[]>('GET', `/databases/${dbs.maria!.id}/backups`)).body;
    assert.equal(before.length, 1);

    // Someone changes the app user's password behind Berth's back.
    const newPassword = 'changed-behind-berths-back-1234';
    await maria('maria', `SET PASSWORD = PASSWORD('${newPassword}')`);
    // The app, still holding the old password, is refused too, and its error does not carry the password.
    const refusedApp = await appSqlAnswer('MARIA_URL', 'select 1');
    assert.equal(refusedApp.status, 500);
    assert.match(String(refusedApp.error), /Access denied for user 'app'/);
    assert.ok(!String(refusedApp.error).includes(secrets.maria!.MYSQLPASSWORD!));
    for (let i = 0; i < 3; i++) {
      const failed = await backupNow(dbs.maria!.id);
      assert.equal(failed.status, 'failed');
      assert.match(
        String(failed.error),
        /^Dump failed: mariadb(-dump)? exited with code \d+: .*Access denied for user 'app'/,
      );
      assert.ok(!String(failed.error).includes(secrets.maria!.MYSQLPASSWORD!));
    }
    const after = (await h.api<Backup[]>('GET', `/databases/${dbs.maria!.id}/backups`)).body;
    assert.equal(after.length, 4);
    assert.ok(
      after.some((b) => b.id === before[0]!.id && b.status === 'verified'),
      'the verified backup is still there',
    );
    assert.match(String((await getDb(dbs.maria!.id)).lastError), /Access denied/);

    // A stopped database.
    const stopped = await h.api<Db>('POST', `/databases/${dbs.db!.id}/stop`);
    assert.equal(stopped.body.status, 'stopped');
    const failed = await backupNow(dbs.db!.id);
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /not running/);
    const restarted = await h.api<Db>('POST', `/databases/${dbs.db!.id}/start`);
    assert.equal(restarted.body.status, 'running', String(restarted.body.lastError));
    assert.deepEqual(await appSql('DATABASE_URL', 'select count(*) from items'), [['500']]);
  });

  it('keeps only the newest N verified backups after a verified success', async () => {
    await h.api('PUT', `/databases/${dbs.cache!.id}/backup-schedule`, { keep: 2 });
    for (let i = 0; i < 2; i++) assert.equal((await backupNow(dbs.cache!.id)).status, 'verified');
    const list = (await h.api<Backup[]>('GET', `/databases/${dbs.cache!.id}/backups`)).body;
    assert.equal(list.length, 2, JSON.stringify(list.map((b) => b.status)));
  });

  it('validates schedules and fires a scheduled backup', async () => {
    const bad = await h.api<{ error: { message: string } }>('PUT', `/databases/${dbs.mysql!.id}/backup-schedule`, {
      schedule: 'every day',
    });
    assert.equal(bad.status, 422);
    assert.match(bad.body.error.message, /cron expression/);
    const set = await h.api('PUT', `/databases/${dbs.mysql!.id}/backup-schedule`, { schedule: '*/2 * * * * *' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const scheduled = await waitFor(
      'a scheduled backup',
      async () => (await h.api<Backup[]>('GET', `/databases/${dbs.mysql!.id}/backups`)).body,
      (list) => list.some((b) => b.trigger === 'schedule' && b.status === 'verified'),
      60_000,
    );
    assert.ok(scheduled.length >= 2);
    await h.api('PUT', `/databases/${dbs.mysql!.id}/backup-schedule`, { schedule: null });
  });

  it('opens a public TCP port only when asked, on the chosen address, and closes it again', async () => {
    const bad = await h.api('PATCH', `/databases/${dbs.cache!.id}`, {
      publicAccess: { host: 'example.com', port: 16379 },
    });
    assert.equal(bad.status, 422);
    const port = await freePort();
    const opened = await h.api<Db & { publicAccess: { host: string; port: number } }>(
      'PATCH',
      `/databases/${dbs.cache!.id}`,
      {
        publicAccess: { host: '127.0.0.1', port },
      },
    );
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.deepEqual(opened.body.publicAccess, { host: '127.0.0.1', port });
    assert.equal(opened.body.status, 'running');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.match(answer, /^-NOAUTH/, 'redis answers on the published port and still wants its password');
    // The data survived the container being recreated on its volume.
    assert.equal((await redis('GET', 'counter')).reply, '42');
    const closed = await h.api<Db>('PATCH', `/databases/${dbs.cache!.id}`, { publicAccess: null });
    assert.equal(closed.status, 200);
    assert.deepEqual((await runtime.inspectContainer(await containerOf(dbs.cache!.id)))!.ports, {});
  });

  it('deletes a database only with its name typed back, keeping the volume unless asked', async () => {
    const refused = await h.api('DELETE', `/databases/${dbs.mysql!.id}`, { confirm: 'nope' });
    assert.equal(refused.status, 400);
    const removed = await h.api('DELETE', `/databases/${dbs.mysql!.id}`, { confirm: 'mysql' });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((await h.api('GET', `/databases/${dbs.mysql!.id}`)).status, 404);
    assert.equal((await runtime.listContainers({ 'berth.service': dbs.mysql!.id })).length, 0);
    // The volume is still there (removed in after()).
    await runtime.ensureVolume(`berth-${dbs.mysql!.id}-data`, {});
  });

  it('never wrote a credential into the daemon log', () => {
    const text = logged.join('');
    assert.ok(text.length > 0, 'the daemon logged something');
    for (const vars of Object.values(secrets)) {
      for (const v of Object.values(vars))
        if (v.length > 20) assert.ok(!text.includes(v), 'a credential reached the log');
    }
  });
});
