/**
 * Databases made by an older Berth keep working after an upgrade: their containers (named
 * `berth-<project>-<db>`, which could collide across projects) take the current name when the daemon
 * starts; a Redis one is recreated on its volume so its password leaves the command line. REAL
 * containers, two daemon starts on one data dir.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';

const IMAGES = { BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15', BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7' };
type Db = { id: string; status: string; lastError: string | null };

describe('databases across an upgrade', () => {
  const runtime = new DockerRuntime(testDockerEndpoint());
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-db-upgrade-'));
  const project = `up${randomBytes(3).toString('hex')}`;
  let first: Harness;
  let second: Harness | undefined;
  let projectId: string;
  const ids: Record<string, string> = {};

  const waitRunning = async (h: Harness, id: string) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const db = (await h.api<Db>('GET', `/databases/${id}`)).body;
      if (db.status !== 'creating') return db;
      assert.ok(Date.now() < deadline, `database ${id} still creating`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const containerOf = async (id: string) => {
    const [c] = await runtime.listContainers({ 'berth.service': id, 'berth.role': 'database' });
    assert.ok(c, `no container for ${id}`);
    return c;
  };

  before(async () => {
    await runtime.start();
    first = await startHarness({ ...IMAGES, BERTH_DATA_DIR: dataDir });
  });
  after(async () => {
    await second?.close();
    for (const id of Object.values(ids)) {
      await runtime.removeContainersByLabel({ 'berth.service': id });
      await runtime.removeVolume(`berth-${id}-data`).catch(() => {});
    }
    if (projectId) await runtime.removeNetwork(`berth-${projectId}`).catch(() => {});
    await runtime.stop();
  });

  it('renames older containers at start, and recreates Redis without the password on its command line', async () => {
    projectId = (await first.api<{ id: string }>('POST', '/projects', { name: project })).body.id;
    for (const [name, engine] of [
      ['cache', 'redis'],
      ['db', 'postgres'],
    ]) {
      const created = await first.api<Db>('POST', `/projects/${projectId}/databases`, { name, engine });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids[name!] = created.body.id;
      assert.equal((await waitRunning(first, created.body.id)).status, 'running');
    }
    const password = (
      await first.api<{ variables: Record<string, string> }>('GET', `/databases/${ids.cache}/credentials`)
    ).body.variables.REDISPASSWORD!;
    const redisBefore = await containerOf(ids.cache!);
    const set = await runtime.exec(redisBefore.id, ['redis-cli', 'SET', 'kept', 'yes'], {
      env: { REDISCLI_AUTH: password },
    });
    assert.equal(set.stdout.trim(), 'OK', set.stderr);
    // What an older Berth left: containers named berth-<project>-<db>.
    const pgBefore = await containerOf(ids.db!);
    for (const [container, legacy] of [
      [redisBefore, `berth-${project}-cache`],
      [pgBefore, `berth-${project}-db`],
    ] as const) {
      if (container.name !== legacy) execFileSync('docker', ['rename', container.id, legacy]);
    }

    await first.daemon.close();
    second = await startHarness({ ...IMAGES, BERTH_DATA_DIR: dataDir });

    const pgAfter = await containerOf(ids.db!);
    assert.equal(pgAfter.id, pgBefore.id, 'postgres kept its container (renamed only)');
    assert.equal(pgAfter.name, `berth_${project}_db`);
    const deadline = Date.now() + 120_000;
    let redisAfter = await containerOf(ids.cache!);
    while (redisAfter.id === redisBefore.id || (await waitRunning(second, ids.cache!)).status !== 'running') {
      assert.ok(Date.now() < deadline, 'redis was not recreated');
      await new Promise((r) => setTimeout(r, 250));
      redisAfter = await containerOf(ids.cache!);
    }
    assert.equal(redisAfter.name, `berth_${project}_cache`);
    assert.equal((await runtime.listContainers({ 'berth.service': ids.cache!, 'berth.role': 'database' })).length, 1);
    const get = await runtime.exec(redisAfter.id, ['redis-cli', 'GET', 'kept'], { env: { REDISCLI_AUTH: password } });
    assert.equal(get.stdout.trim(), 'yes', 'the data survived on the volume');
    const args = execFileSync('docker', ['inspect', '--format', '{{json .Args}}', redisAfter.id], { encoding: 'utf8' });
    assert.ok(!args.includes(password), args);
  });
});
