/**
 * The container rules against the real engine: a container the kernel kills for exceeding its memory
 * limit raises `oom_killed`, a container whose engine health check fails raises `health_failing`, and
 * both resolve (the container goes away; the check passes again). Containers of an old deployment or a
 * release step do not count.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlertsFeature } from '../../src/alerts/alerts-feature.js';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { createLogger } from '../../src/logger.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { TEST_IMAGES, testDockerEndpoint, testLabels, testName } from '../helpers/docker-test-env.js';

describe('container alert rules on the real engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-alert-rules-'));
  const runtime = new DockerRuntime(testDockerEndpoint());
  let handle: DbHandle;
  let alerts: AlertsFeature;
  const labelsOf = (service: string, extra: Record<string, string> = {}) =>
    testLabels({ 'berth.managed': 'true', 'berth.project': 'prj_rules', 'berth.service': service, ...extra });

  before(async () => {
    await runtime.start();
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    const db = handle.db;
    await db.insertInto('projects').values({ id: 'prj_rules', name: 'rules' }).execute();
    await db
      .insertInto('environments')
      .values({ id: 'env_rules', project_id: 'prj_rules', name: 'production' })
      .execute();
    for (const [id, name, kind] of [
      ['svc_app', 'app', 'app'],
      ['svc_db', 'db', 'database'],
    ] as const) {
      await db
        .insertInto('services')
        .values({
          id,
          project_id: 'prj_rules',
          environment_id: 'env_rules',
          name,
          kind,
          source: '{"type":"image","image":"x/y:1"}',
        })
        .execute();
    }
    await db
      .insertInto('deployments')
      .values([
        { id: 'dep_live', service_id: 'svc_app', status: 'active', trigger: 'manual' },
        { id: 'dep_old', service_id: 'svc_app', status: 'replaced', trigger: 'manual' },
      ])
      .execute();
    alerts = new AlertsFeature({
      db,
      runtime,
      secretBox: new SecretBox(randomBytes(32).toString('base64url')),
      logger: createLogger('silent'),
      dataDir: dir,
      panelDomain: undefined,
      panelUrl: 'http://berth.test',
      allowPrivateDestinations: true,
      checkIntervalMs: 3_600_000,
    });
    for (const rule of await alerts.rules())
      if (!['oom_killed', 'health_failing', 'crash_loop'].includes(rule.kind))
        await alerts.updateRule(rule.kind, { enabled: false });
  });
  after(async () => {
    await alerts?.stop();
    await runtime.removeContainersByLabel(testLabels({ 'berth.project': 'prj_rules' }));
    await runtime.stop();
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function waitForState(
    id: string,
    done: (d: Awaited<ReturnType<DockerRuntime['inspectContainer']>>) => boolean,
  ) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const details = await runtime.inspectContainer(id);
      if (done(details)) return details;
      assert.ok(Date.now() < deadline, `container never got there: ${JSON.stringify(details)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('alerts when the kernel kills a live container for memory, not for an old deployment, and resolves when it is gone', async () => {
    // The engine sets State.OOMKilled from an event that now and then loses the race with the exit (seen
    // here about once in six runs: exit 137, flag false); the rule trusts the engine's flag, so the test
    // makes a container the engine did flag.
    const oomKilled = async (suffix: string, deployment: string) => {
      for (let attempt = 1; ; attempt++) {
        const id = await runtime.createContainer({
          name: testName(`oom-${suffix}-${attempt}`),
          image: TEST_IMAGES.busybox,
          // `tail` keeps the one endless line of /dev/zero in memory until the limit is hit.
          cmd: ['tail', '/dev/zero'],
          labels: labelsOf('svc_app', { 'berth.deployment': deployment }),
          memoryBytes: 8 * 1024 * 1024,
          restartPolicy: 'no',
        });
        await runtime.startContainer(id);
        const details = await waitForState(id, (d) => d?.state === 'exited');
        if (details?.oomKilled) return { id, name: details.name };
        assert.ok(attempt < 5, `the engine never flagged an OOM kill: ${JSON.stringify(details)}`);
        await runtime.removeContainer(id);
      }
    };
    const live = await oomKilled('live', 'dep_live');
    const old = await oomKilled('old', 'dep_old');

    const result = await alerts.evaluateNow();
    const oom = result.opened.filter((a) => a.rule === 'oom_killed');
    assert.equal(oom.length, 1, JSON.stringify(result.opened));
    assert.equal(oom[0]!.title, 'rules/app ran out of memory');
    assert.match(oom[0]!.detail, new RegExp(live.name));

    await runtime.removeContainer(live.id);
    await runtime.removeContainer(old.id);
    const cleared = await alerts.evaluateNow();
    assert.deepEqual(
      cleared.resolved.map((a) => a.rule),
      ['oom_killed'],
    );
  });

  it("alerts while a database container's engine health check fails, and resolves when it passes", async () => {
    const id = await runtime.createContainer({
      name: testName('unhealthy-db'),
      image: TEST_IMAGES.busybox,
      cmd: ['sleep', '300'],
      labels: labelsOf('svc_db'),
      healthcheck: { test: ['test', '-f', '/tmp/ok'], intervalMs: 200, timeoutMs: 1000, retries: 1, startPeriodMs: 0 },
    });
    await runtime.startContainer(id);
    await waitForState(id, (d) => d?.health === 'unhealthy');
    const result = await alerts.evaluateNow();
    assert.deepEqual(
      result.opened.map((a) => [a.rule, a.title]),
      [['health_failing', 'rules/db fails its health check']],
    );
    assert.equal((await alerts.evaluateNow()).opened.length, 0, 'no second alert while it lasts');

    await runtime.exec(id, ['touch', '/tmp/ok']);
    await waitForState(id, (d) => d?.health === 'healthy');
    assert.deepEqual(
      (await alerts.evaluateNow()).resolved.map((a) => a.rule),
      ['health_failing'],
    );
  });
});
