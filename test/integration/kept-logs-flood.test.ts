/**
 * A container printing as fast as it can must not grow the daemon's memory: the log keeper (in this test
 * process, as in the daemon) follows a real busybox container that writes lines in a tight loop for a few
 * seconds while this process's RSS is sampled. Lines beyond the keeper's buffer are dropped and counted
 * (a marker line says how many), and the stored log respects the service's line cap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeptLogs } from '../../src/kept-logs/kept-logs.service.js';
import { LogKeeper } from '../../src/kept-logs/log-keeper.js';
import { createLogger } from '../../src/logger.js';
import { INSTALL_LABEL } from '../../src/runtime/runtime.js';
import { seedAdmin, tokenFor } from '../helpers/accounts.js';
import { TEST_IMAGES, testLabels, testName } from '../helpers/docker-test-env.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

const CAP = 3000;
const MAX_BUFFERED_LINES = 2000;
const FLOOD_SECONDS = 6;
const INSTALL = `flood-${Date.now().toString(36)}`;

describe('kept logs of crashed and flooding containers', () => {
  let t: TestApp;
  let serviceId: string;
  let containerId: string | undefined;

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const token = await tokenFor(t.db, admin.id);
    const post = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } })).json<{
        id: string;
      }>();
    const project = await post('/api/v1/projects', { name: 'flood' });
    serviceId = (
      await post(`/api/v1/projects/${project.id}/services`, {
        name: 'noisy',
        source: { type: 'image', image: TEST_IMAGES.busybox },
      })
    ).id;
  });
  after(async () => {
    if (containerId) await t.runtime.removeContainer(containerId).catch(() => {});
    await t?.close();
  });

  it('keeps memory bounded, drops and counts what it cannot keep, and caps the stored lines', async () => {
    const keeper = new LogKeeper(
      { db: t.db, runtime: t.runtime, logger: createLogger('silent'), secretsOf: async () => [], installId: INSTALL },
      {
        scanMs: 200,
        flushMs: 500,
        maxBufferedLines: MAX_BUFFERED_LINES,
        maxBufferedBytes: 1024 * 1024,
        keepLinesPerService: CAP,
      },
    );
    containerId = await t.runtime.createContainer({
      name: testName('flood'),
      image: TEST_IMAGES.busybox,
      cmd: [
        'sh',
        '-c',
        'i=0; while true; do i=$((i+1)); echo "flood line $i: the quick brown fox jumps over the lazy dog"; done',
      ],
      labels: testLabels({
        'berth.managed': 'true',
        [INSTALL_LABEL]: INSTALL,
        'berth.service': serviceId,
        'berth.deployment': 'dep_flood',
        'berth.replica': '1',
      }),
      restartPolicy: 'no',
    });
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    await t.runtime.startContainer(containerId);
    keeper.start();
    let peakRss = baseline;
    let peakBuffered = 0;
    const until = Date.now() + FLOOD_SECONDS * 1000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakBuffered = Math.max(peakBuffered, keeper.buffered);
    }
    await t.runtime.stopContainer(containerId, 0);
    await keeper.stop();

    const growthMb = (peakRss - baseline) / 1024 / 1024;
    assert.ok(peakBuffered <= MAX_BUFFERED_LINES, `buffered ${peakBuffered}`);
    assert.ok(growthMb < 60, `RSS grew by ${growthMb.toFixed(1)} MB while the container flooded its output`);

    const rows = await t.db
      .selectFrom('runtime_log_lines')
      .select(['line'])
      .where('service_id', '=', serviceId)
      .orderBy('id')
      .execute();
    assert.ok(rows.length <= CAP, `${rows.length} lines stored, cap ${CAP}`);
    assert.ok(rows.length >= CAP / 2, `${rows.length} lines stored: the keeper kept up to its cap`);
    const dropped = rows
      .map((r) => /^--- (\d+) line\(s\) not kept/.exec(r.line)?.[1])
      .filter((n): n is string => n !== undefined);
    assert.ok(dropped.length > 0, 'a marker line says lines were dropped');
    assert.ok(
      rows.some((r) => /^flood line \d+: the quick brown fox/.test(r.line)),
      'the flood itself is kept up to the cap',
    );
    console.log(
      `flood: RSS +${growthMb.toFixed(1)} MB, peak buffer ${peakBuffered} lines, ${rows.length} stored, ` +
        `${dropped.reduce((sum, n) => sum + Number(n), 0)} dropped in the kept window`,
    );
    // The next test starts a fresh keeper, which would read this container's whole flood again and fill its
    // buffer beside the crashed container (a CI run saw the crash lines dropped once, then kept, that way).
    await t.runtime.removeContainer(containerId);
    containerId = undefined;
  });

  it("keeps a crashed container's last words after the container is removed", async () => {
    const keeper = new LogKeeper(
      { db: t.db, runtime: t.runtime, logger: createLogger('silent'), secretsOf: async () => [], installId: INSTALL },
      { scanMs: 200, flushMs: 200 },
    );
    const id = await t.runtime.createContainer({
      name: testName('crash'),
      image: TEST_IMAGES.busybox,
      cmd: ['sh', '-c', 'echo starting up; echo "fatal: config missing" >&2; exit 3'],
      labels: testLabels({
        'berth.managed': 'true',
        [INSTALL_LABEL]: INSTALL,
        'berth.service': serviceId,
        'berth.deployment': 'dep_crashed',
      }),
      restartPolicy: 'no',
    });
    await t.runtime.startContainer(id);
    keeper.start();
    const kept = new KeptLogs(t.db);
    const deadline = Date.now() + 20_000;
    while (!(await kept.lines('dep_crashed', {})).some((l) => l.line === 'fatal: config missing')) {
      assert.ok(Date.now() < deadline, "the crashed container's output was kept");
      await new Promise((r) => setTimeout(r, 200));
    }
    await t.runtime.removeContainer(id);
    await new Promise((r) => setTimeout(r, 600)); // a few more scans: nothing is lost or doubled
    await keeper.stop();
    // Each line once; stdout and stderr have no order between them.
    assert.deepEqual((await kept.lines('dep_crashed', {})).map((l) => l.line).sort(), [
      'fatal: config missing',
      'starting up',
    ]);
  });
});
