/**
 * Managed databases on REAL containers, the parts that keep one database from hurting another or the
 * host: container names that cannot collide across projects, public access that only binds addresses
 * of this host and never takes a running database down, and tools and secrets kept out of root and
 * out of command lines. One daemon for the file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { freePort } from '../helpers/daemon-process.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';

const IMAGES = { BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15', BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7' };

type Db = { id: string; name: string; status: string; lastError: string | null };

describe('database isolation', () => {
  let h: Harness;
  const runtime = new DockerRuntime(testDockerEndpoint());
  const createdIds: string[] = [];
  // Container names are global on the engine: a per-run project name keeps parallel runs apart.
  const base = `x${randomBytes(3).toString('hex')}`;
  const dbs: Record<string, Db> = {};

  const waitFor = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const getDb = async (id: string) => (await h.api<Db>('GET', `/databases/${id}`)).body;
  const createDb = async (projectName: string, name: string, engine: string) => {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: projectName });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    const created = await h.api<Db>('POST', `/projects/${project.body.id}/databases`, { name, engine });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    createdIds.push(created.body.id);
    return created.body;
  };
  const runningContainers = async (id: string) =>
    (await runtime.listContainers({ 'berth.service': id, 'berth.role': 'database' })).filter(
      (c) => c.state === 'running',
    );
  /** The database answers PING with its password, from inside its (only) running container. */
  const redisAnswers = async (id: string) => {
    const running = await runningContainers(id);
    assert.equal(running.length, 1, `one running container for ${id}, found ${running.length}`);
    const password = (await h.api<{ variables: Record<string, string> }>('GET', `/databases/${id}/credentials`)).body
      .variables.REDISPASSWORD!;
    const answer = await runtime.exec(running[0]!.id, ['redis-cli', '-h', '127.0.0.1', 'ping'], {
      env: { REDISCLI_AUTH: password },
    });
    assert.equal(answer.stdout.trim(), 'PONG', answer.stderr);
    return running[0]!.id;
  };

  before(async () => {
    await runtime.start();
    h = await startHarness(IMAGES);
  });
  after(async () => {
    await h?.close();
    for (const id of createdIds) await runtime.removeVolume(`berth-${id}-data`).catch(() => {});
    await runtime.stop();
  });

  it('runs `a-b` of project x and `b` of project x-a at the same time (their container names differ)', async () => {
    dbs.first = await createDb(base, 'a-b', 'redis');
    dbs.second = await createDb(`${base}-a`, 'b', 'redis');
    for (const key of ['first', 'second']) {
      dbs[key] = await waitFor(
        `database ${key}`,
        () => getDb(dbs[key]!.id),
        (d) => d.status !== 'creating',
      );
      assert.equal(dbs[key]!.status, 'running', String(dbs[key]!.lastError));
    }
    await redisAnswers(dbs.first.id);
    await redisAnswers(dbs.second.id);
  });

  it('keeps the Redis password off the container command line', async () => {
    const id = await redisAnswers(dbs.first!.id);
    const password = (
      await h.api<{ variables: Record<string, string> }>('GET', `/databases/${dbs.first!.id}/credentials`)
    ).body.variables.REDISPASSWORD!;
    const inspected = execFileSync(
      'docker',
      ['inspect', '--format', '{{json .Path}} {{json .Args}} {{json .Config.Cmd}}', id],
      {
        encoding: 'utf8',
      },
    );
    assert.match(inspected, /redis-server/);
    assert.ok(!inspected.includes(password), `the password is on the command line: ${inspected}`);
    // What `ps` on the host shows for the container's processes.
    const top = execFileSync('docker', ['top', id, '-eo', 'pid,args'], { encoding: 'utf8' });
    assert.match(top, /redis-server/);
    assert.ok(!top.includes(password), 'the password shows in ps');
  });

  it('refuses a public address that is not this host with 422, and the database keeps answering', async () => {
    const before = await redisAnswers(dbs.first!.id);
    const refused = await h.api<{ error: { code: string; message: string } }>('PATCH', `/databases/${dbs.first!.id}`, {
      publicAccess: { host: '203.0.113.7', port: await freePort() },
    });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /not an address of this server/);
    assert.equal(await redisAnswers(dbs.first!.id), before, 'the same container still serves');
    assert.equal((await getDb(dbs.first!.id)).status, 'running');
  });

  it('keeps the database up when the new container cannot bind its public port', async () => {
    const before = await redisAnswers(dbs.first!.id);
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const failed = await h.api<{ error: { code: string; message: string }; publicAccess?: unknown }>(
        'PATCH',
        `/databases/${dbs.first!.id}`,
        { publicAccess: { host: '127.0.0.1', port } },
      );
      assert.equal(failed.status, 409, JSON.stringify(failed.body));
      assert.match(failed.body.error.message, /not applied/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    assert.equal(await redisAnswers(dbs.first!.id), before, 'the previous container serves again');
    const after = await h.api<Db & { publicAccess: unknown }>('GET', `/databases/${dbs.first!.id}`);
    assert.equal(after.body.status, 'running');
    assert.equal(after.body.publicAccess, null, 'the failed setting was not stored');
    // And a port that is free is then opened on a new container, which replaces the old one.
    const opened = await h.api<Db>('PATCH', `/databases/${dbs.first!.id}`, {
      publicAccess: { host: '127.0.0.1', port },
    });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const now = await redisAnswers(dbs.first!.id);
    assert.notEqual(now, before);
    assert.equal(
      (await runtime.listContainers({ 'berth.service': dbs.first!.id, 'berth.role': 'database' })).length,
      1,
    );
  });

  it('runs dump tools as the database user, not root', async () => {
    dbs.pg = await createDb(`${base}-pg`, 'db', 'postgres');
    dbs.pg = await waitFor(
      'postgres',
      () => getDb(dbs.pg!.id),
      (d) => d.status !== 'creating',
    );
    assert.equal(dbs.pg.status, 'running', String(dbs.pg.lastError));
    const [container] = await runningContainers(dbs.pg.id);
    // pg_dump becomes a wrapper that records who ran it, then runs the real one.
    const bin = '/usr/lib/postgresql/15/bin';
    const root = async (argv: string[]) => {
      const r = await runtime.exec(container!.id, argv, { user: 'root' });
      assert.equal(r.exitCode, 0, r.stderr);
    };
    await root(['mv', `${bin}/pg_dump`, `${bin}/pg_dump.real`]);
    await root([
      'sh',
      '-c',
      `printf '#!/bin/sh\\nid -un > /tmp/tool-user\\nexec ${bin}/pg_dump.real "$@"\\n' > ${bin}/pg_dump && chmod 755 ${bin}/pg_dump`,
    ]);
    const started = await h.api<{ id: string }>('POST', `/databases/${dbs.pg.id}/backups`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const backup = await waitFor(
      'backup',
      async () => (await h.api<{ status: string; error: string | null }>('GET', `/backups/${started.body.id}`)).body,
      (b) => b.status !== 'running',
    );
    assert.equal(backup.status, 'verified', String(backup.error));
    const user = await runtime.exec(container!.id, ['cat', '/tmp/tool-user']);
    assert.equal(user.stdout.trim(), 'postgres');
  });
});
