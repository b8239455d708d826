/**
 * Managed databases on a REAL single-node cluster (scripts/k8s/cluster.sh) with BERTH_SCHEDULER=kubernetes:
 * a Postgres database becomes a StatefulSet with a claim bound to a hostPath volume
 * (BERTH_KUBERNETES_HOSTPATH_DIR: the test cluster has no StorageClass), a headless and a ClusterIP Service
 * and a credentials Secret. An app on the cluster reaches it through ${{pg.DATABASE_URL}} (the Service's
 * cluster IP: the test cluster has no DNS) and writes and reads rows over HTTP. A backup is dumped through
 * the exec API and verified in a scratch pod; a row added after it is gone after a restore while the earlier
 * row stays; deleting the database leaves none of its objects. MariaDB and Redis run the same way (their
 * images are on the node: the kubelet uses this machine's engine): the same app writes and reads a MariaDB
 * row and a Redis key through their references, each backup is verified in a scratch pod, and a restore
 * brings back the backed-up state (Redis: its RDB file put back and the container restarted by the kubelet).
 * Public access on the cluster is Berth's own listener on this machine forwarding to the ClusterIP Service:
 * a client here reaches Postgres with its password, a taken port refuses the change, and turning it off
 * closes the port. One cluster start, one daemon, one app deploy; run under the cluster lock (flock /tmp/berth-k8s.lock), alone.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectNamespaceName } from '../../src/workloads/kubernetes-names.js';
import { databaseHostPath, databaseStatefulSetName } from '../../src/workloads/kubernetes-database-spec.js';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { startTestCluster, type TestCluster } from '../helpers/test-cluster.js';
import { get } from '../helpers/load.js';
import { freePort } from '../helpers/daemon-process.js';

/** The db-probe fixture's own Postgres client (SCRAM, zero dependencies), as a client on this machine. */
type PgQuery = (
  target: { host: string; port: number; user: string; password: string; database: string },
  sql: string,
) => Promise<{ rows: (string | null)[][] }>;
const PG_CLIENT = '../fixtures/apps/db-probe/pg-client.mjs';
const refused = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

const HOST = 'web-kdb.localhost';

interface Db {
  id: string;
  status: string;
  health: string;
  lastError: string | null;
}
interface Backup {
  id: string;
  status: string;
  error: string | null;
  sourceCounts: Record<string, number> | null;
  restoredCounts: Record<string, number> | null;
}

describe('managed databases on a real single-node cluster (BERTH_SCHEDULER=kubernetes)', { timeout: 900_000 }, () => {
  let h: Harness;
  let git: GitServer;
  let cluster: TestCluster | undefined;
  /** Where the hostPath volumes go (BERTH_KUBERNETES_HOSTPATH_DIR), inside this run's cluster directory. */
  const volumes = () => join(cluster!.runDir, 'volumes');
  let kubeconfig = '';
  let projectId: string;
  let appId: string;
  let db: Db;
  let backup: Backup;
  let maria: Db;
  let cache: Db;

  const kubectl = (...args: string[]) => cluster!.kubectl(...args);
  const namespace = () => projectNamespaceName(projectId);
  const waitFor = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 240_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline)
        throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 400)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const getDb = async () => (await h.api<Db>('GET', `/databases/${db.id}`)).body;
  const appSql = async (sql: string, variable = 'DATABASE_URL') => {
    const answer = await get(h.proxyPort, HOST, `/sql?var=${variable}&q=${encodeURIComponent(sql)}`);
    const body = JSON.parse(answer.body) as { rows?: (string | null)[][]; error?: string };
    assert.equal(answer.status, 200, `${sql}: ${body.error}`);
    return body.rows!;
  };
  const redis = async (cmd: string, ...args: string[]) => {
    const path = `/redis?var=REDIS_URL&cmd=${cmd}&args=${encodeURIComponent(args.join(','))}`;
    const answer = await get(h.proxyPort, HOST, path);
    assert.equal(answer.status, 200, answer.body);
    return JSON.parse(answer.body) as { auth: string; reply: string | null };
  };
  const createDb = async (name: string, engine: string) => {
    const created = await h.api<Db>('POST', `/projects/${projectId}/databases`, { name, engine });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  };
  const waitRunning = async (created: Db) => {
    const read = async () => (await h.api<Db>('GET', `/databases/${created.id}`)).body;
    const settled = await waitFor(`database ${created.id}`, read, (d) => d.status !== 'creating');
    assert.equal(settled.status, 'running', String(settled.lastError));
    assert.equal(settled.health, 'healthy');
    return settled;
  };
  const backUp = async (id: string) => {
    const started = await h.api<Backup>('POST', `/databases/${id}/backups`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    return waitFor(
      'backup',
      async () => (await h.api<Backup>('GET', `/backups/${started.body.id}`)).body,
      (b) => b.status !== 'running',
    );
  };
  const removeDb = async (removed: Db, name: string) => {
    const answer = await h.api('DELETE', `/databases/${removed.id}`, { confirm: name, deleteVolume: true });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(objectsOf(removed.id), '');
  };
  const objectsOf = (serviceId: string) =>
    kubectl(
      '-n',
      namespace(),
      'get',
      'statefulsets,services,secrets,pvc,pods',
      '-l',
      `berth.service=${serviceId}`,
      '-o',
      'name',
    );

  before(async () => {
    cluster = startTestCluster('databases');
    kubeconfig = cluster.kubeconfig;
    git = await startGitServer();
    h = await startHarness({
      BERTH_SCHEDULER: 'kubernetes',
      BERTH_KUBECONFIG: kubeconfig,
      BERTH_KUBERNETES_HOSTPATH_DIR: volumes(),
      BERTH_KUBERNETES_DATABASE_SIZE: '1Gi',
      BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS: '120',
      BERTH_STABILISATION_SECONDS: '1',
      BERTH_DRAIN_TIMEOUT_SECONDS: '5',
      BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15',
      BERTH_DB_IMAGE_MARIADB: 'berth-test/mariadb:10.11',
      BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7',
    });
  });

  after(async () => {
    await h?.close();
    await git?.close();
    await cluster?.stop();
  });

  it('creates Postgres as a StatefulSet with a bound claim, two Services and a Secret', async () => {
    const repo = await git.createRepo('kdb-web', fixtureFiles('db-probe'));
    ({ projectId, serviceId: appId } = await createFixtureService(h.api, {
      project: 'kdb',
      service: 'web',
      repoUrl: repo.url,
    }));
    const created = await h.api<Db>('POST', `/projects/${projectId}/databases`, { name: 'pg', engine: 'postgres' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    db = created.body;
    db = await waitFor('database pg', getDb, (d) => d.status !== 'creating');
    assert.equal(db.status, 'running', String(db.lastError));
    assert.equal(db.health, 'healthy');
    const set = databaseStatefulSetName(db.id);
    assert.equal(kubectl('-n', namespace(), 'get', 'statefulset', set, '-o', 'jsonpath={.status.readyReplicas}'), '1');
    assert.equal(kubectl('-n', namespace(), 'get', 'pvc', `data-${set}-0`, '-o', 'jsonpath={.status.phase}'), 'Bound');
    assert.equal(
      kubectl('get', 'pv', `berth-${set}-data`, '-o', 'jsonpath={.spec.hostPath.path}'),
      databaseHostPath(volumes(), db.id),
    );
    assert.ok(
      existsSync(join(databaseHostPath(volumes(), db.id), 'PG_VERSION')),
      'the data is in the hostPath directory',
    );
    assert.equal(
      kubectl('-n', namespace(), 'get', 'service', `${set}-pods`, '-o', 'jsonpath={.spec.clusterIP}'),
      'None',
    );
    const clusterIp = kubectl('-n', namespace(), 'get', 'service', 'pg', '-o', 'jsonpath={.spec.clusterIP}');
    assert.match(clusterIp, /^10\.96\.\d+\.\d+$/);
    const revealed = await h.api<{ variables: Record<string, string> }>('GET', `/databases/${db.id}/credentials`);
    assert.equal(revealed.status, 200);
    assert.equal(revealed.body.variables.PGHOST, clusterIp, 'apps reach the ClusterIP Service (no cluster DNS)');
    // The password is in the Secret, not in the StatefulSet's spec.
    const spec = kubectl('-n', namespace(), 'get', 'statefulset', set, '-o', 'json');
    assert.ok(!spec.includes(revealed.body.variables.PGPASSWORD!), 'no password in the StatefulSet');
  });

  it('creates MariaDB and Redis the same way, each with its Secret, claim and Services', async () => {
    [maria, cache] = await Promise.all([createDb('maria', 'mariadb'), createDb('cache', 'redis')]);
    [maria, cache] = await Promise.all([waitRunning(maria), waitRunning(cache)]);
    for (const [created, name] of [
      [maria, 'maria'],
      [cache, 'cache'],
    ] as const) {
      const set = databaseStatefulSetName(created.id);
      assert.equal(
        kubectl('-n', namespace(), 'get', 'pvc', `data-${set}-0`, '-o', 'jsonpath={.status.phase}'),
        'Bound',
      );
      assert.match(kubectl('-n', namespace(), 'get', 'service', name, '-o', 'jsonpath={.spec.clusterIP}'), /^10\.96\./);
    }
  });

  it('an app on the cluster writes and reads rows through ${{pg.DATABASE_URL}}', async () => {
    for (const [id, key] of [
      [db.id, 'DATABASE_URL'],
      [maria.id, 'MARIA_URL'],
      [cache.id, 'REDIS_URL'],
    ]) {
      const connected = await h.api('POST', `/databases/${id}/connect`, { serviceId: appId, key });
      assert.equal(connected.status, 200, JSON.stringify(connected.body));
    }
    const created = await h.api<{ id: string }>('POST', `/services/${appId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await h.waitForDeployment(created.body.id, 300_000);
    assert.equal(deployment.status, 'active', String(deployment.error));
    await appSql('create table items(id int primary key, name text)');
    await appSql("insert into items values (1, 'before the backup')");
    assert.deepEqual(await appSql('select name from items order by id'), [['before the backup']]);
  });

  it('backs up through the exec API, verified by a restore into a scratch pod that is removed after', async () => {
    const started = await h.api<Backup>('POST', `/databases/${db.id}/backups`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    backup = await waitFor(
      'backup',
      async () => (await h.api<Backup>('GET', `/backups/${started.body.id}`)).body,
      (b) => b.status !== 'running',
    );
    assert.equal(backup.status, 'verified', String(backup.error));
    assert.deepEqual(backup.sourceCounts, { 'public.items': 1 });
    assert.deepEqual(backup.restoredCounts, { 'public.items': 1 });
    assert.equal(kubectl('-n', namespace(), 'get', 'pods,secrets', '-l', 'berth.role=verify', '-o', 'name'), '');
  });

  it('a restore brings back the backed-up rows: a row added after the backup is gone, the earlier one stays', async () => {
    await appSql("insert into items values (2, 'after the backup')");
    assert.equal((await appSql('select count(*) from items'))[0]![0], '2');
    const restored = await h.api('POST', `/backups/${backup.id}/restore`, { confirm: 'pg' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(await appSql('select name from items order by id'), [['before the backup']]);
  });

  it('MariaDB: rows through ${{maria.DATABASE_URL}}, a verified backup, and a restore brings back its rows', async () => {
    await appSql('create table items(id int primary key, name text)', 'MARIA_URL');
    await appSql("insert into items values (1, 'before the backup')", 'MARIA_URL');
    assert.deepEqual(await appSql('select name from items order by id', 'MARIA_URL'), [['before the backup']]);
    const taken = await backUp(maria.id);
    assert.equal(taken.status, 'verified', String(taken.error));
    assert.deepEqual(taken.sourceCounts, { items: 1 });
    assert.deepEqual(taken.restoredCounts, { items: 1 });
    await appSql("insert into items values (2, 'after the backup')", 'MARIA_URL');
    const restored = await h.api('POST', `/backups/${taken.id}/restore`, { confirm: 'maria' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(await appSql('select name from items order by id', 'MARIA_URL'), [['before the backup']]);
    await removeDb(maria, 'maria');
  });

  it('Redis: answers with its password only, a verified RDB backup, and a restore brings back its keys', async () => {
    assert.deepEqual(await redis('PING'), { auth: '+OK', reply: '+PONG' });
    // Without the password (the pod's own REDISCLI_AUTH unset) the server refuses.
    const ip = kubectl('-n', namespace(), 'get', 'service', 'cache', '-o', 'jsonpath={.spec.clusterIP}');
    const pod = `${databaseStatefulSetName(cache.id)}-0`;
    const anonymous = kubectl(
      '-n',
      namespace(),
      'exec',
      pod,
      '--',
      'env',
      '-u',
      'REDISCLI_AUTH',
      'redis-cli',
      '-h',
      ip,
      'ping',
    );
    assert.match(anonymous, /NOAUTH/);
    assert.deepEqual(await redis('SET', 'greeting', 'hello'), { auth: '+OK', reply: '+OK' });
    const taken = await backUp(cache.id);
    assert.equal(taken.status, 'verified', String(taken.error));
    assert.deepEqual(taken.sourceCounts, { db0: 1 });
    assert.deepEqual(taken.restoredCounts, { db0: 1 });
    await redis('SET', 'greeting', 'changed after the backup');
    await redis('SET', 'extra', 'x');
    const restored = await h.api('POST', `/backups/${taken.id}/restore`, { confirm: 'cache' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal((await redis('GET', 'greeting')).reply, 'hello');
    assert.equal((await redis('GET', 'extra')).reply, null);
    await removeDb(cache, 'cache');
  });

  it("public access: a client on this machine reaches Postgres with its password through Berth's listener; off closes it", async () => {
    const { pgQuery } = (await import(PG_CLIENT)) as { pgQuery: PgQuery };
    const taken = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
    try {
      const failed = await h.api<{ error: { message: string } }>('PATCH', `/databases/${db.id}`, {
        publicAccess: { host: '127.0.0.1', port: taken },
      });
      assert.equal(failed.status, 409, JSON.stringify(failed.body));
      assert.match(failed.body.error.message, /not applied: 127\.0\.0\.1:\d+ is in use/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
    assert.equal((await h.api<{ publicAccess: unknown }>('GET', `/databases/${db.id}`)).body.publicAccess, null);
    const port = await freePort();
    const opened = await h.api<Db & { publicAccess: unknown }>('PATCH', `/databases/${db.id}`, {
      publicAccess: { host: '127.0.0.1', port },
    });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    assert.deepEqual(opened.body.publicAccess, { host: '127.0.0.1', port });
    assert.equal(opened.body.status, 'running');
    const revealed = await h.api<{ variables: Record<string, string> }>('GET', `/databases/${db.id}/credentials`);
    const target = {
      host: '127.0.0.1',
      port,
      user: 'app',
      database: 'app',
      password: revealed.body.variables.PGPASSWORD!,
    };
    assert.deepEqual((await pgQuery(target, 'select name from items order by id')).rows, [['before the backup']]);
    await assert.rejects(pgQuery({ ...target, password: 'wrong' }, 'select 1'), /password authentication failed/);
    const closed = await h.api<Db & { publicAccess: unknown }>('PATCH', `/databases/${db.id}`, { publicAccess: null });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.publicAccess, null);
    assert.equal(await refused(port), 'ECONNREFUSED');
  });

  it('deleting the database (with its volume) leaves none of its objects; deleting the project its namespace', async () => {
    const set = databaseStatefulSetName(db.id);
    assert.match(objectsOf(db.id), /statefulset\.apps\/svc-/, 'the database has objects to delete');
    const removed = await h.api('DELETE', `/databases/${db.id}`, { confirm: 'pg', deleteVolume: true });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(objectsOf(db.id), '');
    assert.equal(
      kubectl('-n', namespace(), 'get', 'service', 'pg', `${set}-pods`, '--ignore-not-found', '-o', 'name'),
      '',
    );
    assert.equal(kubectl('get', 'pv', `berth-${set}-data`, '--ignore-not-found', '-o', 'name'), '');
    assert.ok(!existsSync(databaseHostPath(volumes(), db.id)), 'the hostPath directory is gone');
    // What is left in the namespace is the app's own.
    const left = kubectl('-n', namespace(), 'get', 'statefulsets,services,secrets,pvc', '-o', 'name');
    assert.deepEqual(
      left.split('\n').filter((line) => line !== '' && !/\/(web|web-vars-.+|default-token-.+)$/.test(line)),
      [],
    );
    const project = await h.api('DELETE', `/projects/${projectId}`, { confirm: 'kdb' });
    assert.equal(project.status, 200, JSON.stringify(project.body));
    assert.equal(kubectl('get', 'namespace', namespace(), '--ignore-not-found', '-o', 'name'), '');
  });
});
