/**
 * Budgets of the metrics feature (issue 14), in one run:
 * 1. Sampling cost: 50 running busybox sleepers (labelled by this bench, removed by label afterwards) are
 *    sampled every 10 s by the real sampler, in this process, for `--ticks` intervals (default 9: 90 s,
 *    one roll-up run included). Reports the sampler's CPU as % of one core (process CPU time over wall time,
 *    minus an idle baseline of the same length measured first) and the RSS it adds; dockerd's CPU is shown
 *    beside it, since every stats call is work for the engine too.
 * 2. Store size: 50 services over 90 days, simulated through the repository: days 8-90 as 1-h buckets,
 *    days 2-7 as 1-min buckets, and the last day as 10-s samples written minute by minute with the roll-up
 *    and retention job run after each simulated minute, as the scheduler runs it.
 * Run: npm run bench:metrics [-- --ticks 9]
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { downsample } from '../src/metrics/downsampler.js';
import { MetricsRepository } from '../src/metrics/metrics.repository.js';
import { MetricsSampler } from '../src/metrics/sampler.js';
import type { Bucket } from '../src/metrics/metrics.types.js';
import { DockerRuntime } from '../src/runtime/docker.js';
import { testDockerEndpoint, TEST_IMAGES } from '../test/helpers/docker-test-env.js';
import { seedProject, syntheticBucket } from '../test/helpers/metrics-fixtures.js';
import { markdownTable, median } from './lib/stats.js';

const SERVICES = 50;
const INTERVAL_MS = 10_000;
const ticksArg = process.argv.indexOf('--ticks');
const TICKS = ticksArg > 0 ? Number(process.argv[ticksArg + 1]) : 9;
const BENCH_LABEL = 'berth.bench-run';
const RUN = `m${randomBytes(4).toString('hex')}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const rssMb = () => process.memoryUsage().rss / 1e6;

function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function dockerdPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'dockerd') return Number(entry);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** CPU ms of this process and of dockerd over `ms` of wall time, while `during` runs. */
async function measure(ms: number, during: () => Promise<void>): Promise<{ selfMs: number; dockerdMs: number }> {
  const dockerd = dockerdPid();
  const before = process.cpuUsage();
  const dockerdBefore = dockerd ? cpuMsOf(dockerd) : 0;
  await during();
  const used = process.cpuUsage(before);
  return { selfMs: (used.user + used.system) / 1000, dockerdMs: dockerd ? cpuMsOf(dockerd) - dockerdBefore : NaN };
}

async function samplingCost(): Promise<string[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-metrics-'));
  const handle = openDatabase(join(dir, 'berth.db'));
  await migrateToLatest(handle.db);
  const ids = Array.from({ length: SERVICES }, (_, i) => `svc_bench${i}`);
  await seedProject(
    handle.db,
    'prj_bench',
    'bench',
    ids.map((id, i) => ({ id, name: `s${i}` })),
  );
  const runtime = new DockerRuntime(testDockerEndpoint());
  await runtime.start();
  const labels = { [BENCH_LABEL]: RUN, 'berth.managed': 'true', 'berth.project': 'prj_bench' };
  try {
    console.error(`starting ${SERVICES} busybox sleepers…`);
    for (const [i, id] of ids.entries()) {
      const container = await runtime.createContainer({
        name: `berth-bench-${RUN}-${i}`,
        image: TEST_IMAGES.busybox,
        cmd: ['sleep', '3600'],
        labels: { ...labels, 'berth.service': id },
      });
      await runtime.startContainer(container);
    }
    const repository = new MetricsRepository(handle.db);
    const sampler = new MetricsSampler({ runtime, repository, dataDir: dir, logger: createLogger('silent') });
    const wallMs = TICKS * INTERVAL_MS;

    // Idle baseline: this process doing nothing for the same time (timers, GC).
    const idle = await measure(wallMs, () => sleep(wallMs));
    const rssBefore = rssMb();
    let peakRss = rssBefore;
    const tickMs: number[] = [];
    const sampling = await measure(wallMs, async () => {
      for (let i = 0; i < TICKS; i++) {
        const started = Date.now();
        await sampler.tick();
        // The roll-up job runs once a minute.
        if (i % 6 === 5) await downsample(repository, Date.now());
        tickMs.push(Date.now() - started);
        peakRss = Math.max(peakRss, rssMb());
        await sleep(Math.max(0, INTERVAL_MS - (Date.now() - started)));
      }
    });
    const sampled = sampler.containers().length;
    const pct = (ms: number) => ((ms / wallMs) * 100).toFixed(2);
    return [
      ['containers sampled per tick', String(sampled), `${SERVICES}`],
      ['sampler CPU, % of one core (minus idle baseline)', pct(sampling.selfMs - idle.selfMs), '< 1'],
      ['  this process while sampling / idle, % of one core', `${pct(sampling.selfMs)} / ${pct(idle.selfMs)}`, ''],
      [
        '  dockerd while sampling / idle, % of one core',
        `${pct(sampling.dockerdMs)} / ${pct(idle.dockerdMs)}`,
        '(engine side, not budgeted)',
      ],
      [
        'tick duration median / slowest (the first inspects every container), ms',
        `${median(tickMs)} / ${Math.max(...tickMs)}`,
        `< ${INTERVAL_MS}`,
      ],
      ['RSS added by sampling (peak − before), MB', (peakRss - rssBefore).toFixed(1), '< 15'],
    ];
  } finally {
    const removed = await runtime.removeContainersByLabel({ [BENCH_LABEL]: RUN });
    console.error(`removed ${removed} bench containers`);
    await runtime.stop();
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function storeSize(): Promise<string[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-store-'));
  const file = join(dir, 'berth.db');
  const handle = openDatabase(file);
  try {
    await migrateToLatest(handle.db);
    const repository = new MetricsRepository(handle.db);
    const series = await Promise.all(Array.from({ length: SERVICES }, (_, i) => repository.seriesId(`svc_${i}`)));
    const now = Math.floor(Date.now() / 1000 / 60) * 60;
    const day = 86_400;
    const started = Date.now();
    const writeRange = async (resolution: 10 | 60 | 3600, from: number, to: number) => {
      let batch: Array<{ series: number; bucket: Bucket }> = [];
      let i = 0;
      for (let ts = Math.ceil(from / resolution) * resolution; ts < to; ts += resolution) {
        for (const s of series) {
          const b = syntheticBucket(ts, i++);
          const factor = resolution / 10;
          batch.push({
            series: s,
            bucket: {
              ...b,
              samples: factor,
              spanMs: b.spanMs * factor,
              cpuMs: b.cpuMs * factor,
              netRx: b.netRx * factor,
              netTx: b.netTx * factor,
            },
          });
        }
        if (batch.length >= 5000) {
          await repository.write(resolution, batch);
          batch = [];
        }
      }
      await repository.write(resolution, batch);
    };
    console.error('store: writing 90 days of 1-h and 7 days of 1-min buckets…');
    await writeRange(3600, now - 90 * day, now - day);
    await writeRange(60, now - 7 * day, now - day);
    console.error('store: the last day as 10-s samples, the roll-up job after each simulated minute…');
    for (let minute = now - day; minute < now; minute += 60) {
      await writeRange(10, minute, minute + 60);
      await downsample(repository, (minute + 60) * 1000);
    }
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(handle.db);
    const bytes = statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
    const counts = await sql<{
      resolution: number;
      rows: number;
    }>`SELECT resolution, COUNT(*) AS rows FROM metric_samples GROUP BY resolution`.execute(handle.db);
    const rows = Object.fromEntries(counts.rows.map((r) => [r.resolution, r.rows]));
    return [
      ['rows at 10 s / 1 min / 1 h', `${rows[10]} / ${rows[60]} / ${rows[3600]}`, ''],
      ['store on disk for 50 services × 90 days, MB', (bytes / 1e6).toFixed(1), '< 100'],
      ['simulation time, s', ((Date.now() - started) / 1000).toFixed(0), ''],
    ];
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const store = await storeSize();
const cost = await samplingCost();
console.log(`\nMetrics budgets (${SERVICES} services, ${TICKS} sampling intervals of 10 s)\n`);
console.log(markdownTable(['measure', 'value', 'budget'], [...cost, ...store]));
