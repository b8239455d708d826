import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { downsample } from '../../src/metrics/downsampler.js';
import { MetricsRepository } from '../../src/metrics/metrics.repository.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { usageCsv } from '../../src/metrics/usage-csv.js';
import { seedProject, syntheticBucket } from '../helpers/metrics-fixtures.js';
import { SERVER_SERIES } from '../../src/metrics/metrics.types.js';

/** 2026-12-02T00:00:00Z, a whole hour: buckets line up with minutes and hours. */
const T0 = Date.UTC(2026, 11, 2) / 1000;

describe('metrics store: roll-ups, retention, reads (real SQLite file)', () => {
  let dir: string;
  let handle: DbHandle;
  let repo: MetricsRepository;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-metrics-'));
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    await seedProject(handle.db, 'prj_1', 'shop', [
      { id: 'svc_web', name: 'web' },
      { id: 'svc_db', name: 'db', kind: 'database' },
    ]);
    repo = new MetricsRepository(handle.db);
  });
  after(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rolls 10-s buckets into minutes and hours with sums for counters and weighted averages for gauges', async () => {
    const web = await repo.seriesId('svc_web');
    // 2 hours of 10-s samples: memory alternates 100 MB / 300 MB (average 200 MB), 1 s of CPU per 10 s (10 %).
    // The job runs every minute, as the scheduler runs it, while samples arrive.
    for (let minute = 0; minute < 120; minute++) {
      const rows = [];
      for (let i = minute * 6; i < minute * 6 + 6; i++) {
        const b = { ...syntheticBucket(T0 + i * 10, i), cpuMs: 1000, memoryAvg: i % 2 ? 300e6 : 100e6, netTx: 1000 };
        b.memoryMax = b.memoryAvg;
        rows.push({ series: web, bucket: b });
      }
      await repo.write(10, rows);
      await downsample(repo, (T0 + (minute + 1) * 60 + 30) * 1000);
    }

    const minutes = await repo.read([web], 60, T0, T0 + 7200, 60);
    assert.equal(minutes.length, 120);
    for (const { bucket } of minutes) {
      assert.equal(bucket.samples, 6);
      assert.equal(bucket.cpuMs, 6000);
      assert.equal(bucket.spanMs, 60_000);
      assert.equal(bucket.memoryAvg, 200e6);
      assert.equal(bucket.memoryMax, 300e6);
      assert.equal(bucket.netTx, 6000);
    }
    const hours = await repo.read([web], 3600, T0, T0 + 7200, 3600);
    assert.deepEqual(
      hours.map((h) => [h.bucket.ts, h.bucket.samples, h.bucket.cpuMs, h.bucket.memoryAvg, h.bucket.netTx]),
      [
        [T0, 360, 360_000, 200e6, 360_000],
        [T0 + 3600, 360, 360_000, 200e6, 360_000],
      ],
    );

    // Idempotent: running again (the bucket still filling up is recomputed) changes nothing.
    await downsample(repo, (T0 + 7200) * 1000);
    const again = await repo.read([web], 3600, T0, T0 + 7200, 3600);
    assert.deepEqual(again, hours);
  });

  it("reads chart points as rates and CPU % and adds a project's services up", async () => {
    const service = new MetricsService(repo, () => (T0 + 3600) * 1000);
    const one = await service.series(['svc_web'], '1h');
    assert.equal(one.step, 10);
    // An hour of 10-s points, plus the bucket of "now" itself.
    assert.equal(one.points.length, 361);
    const p = one.points[5]!;
    assert.equal(p.cpuPercent, 10, '1 s of CPU in 10 s is 10 % of one core');
    assert.equal(p.netTxRate, 100, '1000 bytes in 10 s');
    const day = await service.series(['svc_web'], '24h');
    assert.equal(day.step, 300);
    assert.equal(day.points[0]!.cpuPercent, 10);
    assert.equal(day.points[0]!.memoryBytes, 200e6);
    const db = await repo.seriesId('svc_db');
    await repo.write(10, [{ series: db, bucket: { ...syntheticBucket(T0 + 50), cpuMs: 500, memoryAvg: 50e6 } }]);
    const project = await service.series(['svc_web', 'svc_db'], '1h');
    const sum = project.points.find((point) => point.t === T0 + 50)!;
    assert.equal(sum.cpuPercent, 15);
    assert.equal(sum.memoryBytes, one.points.find((point) => point.t === T0 + 50)!.memoryBytes + 50e6);
    const unknown = await service.series(['svc_nothing'], '1h');
    assert.deepEqual(unknown.points, []);
  });

  it('computes usage per service over a month and exports it as CSV', async () => {
    const service = new MetricsService(repo);
    const usage = await service.usage('prj_1', '2026-12');
    const web = usage.lines.find((l) => l.serviceName === 'web')!;
    // 2 hours at 10 % of a core = 0.2 CPU-hours; 200 MB for 2 hours = 0.4 GB-hours; 720 × 1000 bytes out.
    assert.equal(web.cpuHours.toFixed(6), '0.200000');
    assert.equal(web.memoryGbHours.toFixed(6), '0.400000');
    assert.equal(web.egressBytes, 720_000);
    assert.equal(usage.from, '2026-12-01T00:00:00.000Z');
    assert.equal(usage.to, '2027-01-01T00:00:00.000Z');
    const csv = usageCsv(usage.month, usage.lines);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'month,service_id,service,kind,cpu_hours,memory_gb_hours,egress_bytes,ingress_bytes,disk_bytes',
    );
    assert.ok(
      lines.includes('2026-12,svc_web,web,app,0.2000,0.4000,720000,' + web.ingressBytes + ',' + web.diskBytes),
      csv,
    );
    await assert.rejects(service.usage('prj_1', '2026-13'), /month must look like/);
  });

  it('two writes into one bucket add up instead of replacing each other', async () => {
    const s = await repo.seriesId('svc_merge');
    const ts = T0 + 5000 * 10;
    await repo.write(10, [
      { series: s, bucket: { ...syntheticBucket(ts), cpuMs: 100, spanMs: 4000, memoryAvg: 100, restarts: 1 } },
    ]);
    await repo.write(10, [
      { series: s, bucket: { ...syntheticBucket(ts), cpuMs: 300, spanMs: 6000, memoryAvg: 300, restarts: 2 } },
    ]);
    const [row] = await repo.read([s], 10, ts, ts + 10, 10);
    assert.deepEqual(
      [row!.bucket.samples, row!.bucket.cpuMs, row!.bucket.spanMs, row!.bucket.memoryAvg, row!.bucket.restarts],
      [2, 400, 10_000, 200, 3],
    );
  });

  it("drops the series of a service that no longer exists, keeping live services' and the host's", async () => {
    const gone = await repo.seriesId('svc_deleted');
    const web = await repo.seriesId('svc_web');
    const host = await repo.seriesId(SERVER_SERIES);
    await repo.write(10, [{ series: gone, bucket: syntheticBucket(T0 + 9000 * 10) }]);
    await downsample(repo, (T0 + 9000 * 10 + 30) * 1000);
    const left = await repo.existingSeries(['svc_deleted', 'svc_web', SERVER_SERIES]);
    assert.deepEqual([...left.keys()].sort(), [web, host].sort());
    assert.equal(gone > 0, true);
  });

  it('CSV quotes commas and quotes and defuses spreadsheet formulas', () => {
    const csv = usageCsv('2026-12', [
      {
        serviceId: 's',
        serviceName: '=cmd,"x"',
        kind: 'app',
        cpuHours: 0,
        memoryGbHours: 0,
        egressBytes: 0,
        ingressBytes: 0,
        diskBytes: 0,
      },
    ]);
    assert.match(csv, /\r\n2026-12,s,"'=cmd,""x""",app,/);
  });
  it('keeps 10 s for a day, 1 min for a week and 1 h for 90 days', async () => {
    const db = await repo.seriesId('svc_db');
    const day = 86_400;
    const ages = [day - 10, day + 10, 7 * day - 60, 7 * day + 60, 90 * day - 3600, 90 * day + 3600];
    const now = T0 + 100 * day;
    for (const resolution of [10, 60, 3600] as const) {
      await repo.write(
        resolution,
        ages.map((age) => ({ series: db, bucket: syntheticBucket(Math.floor((now - age) / resolution) * resolution) })),
      );
    }
    // Retention only (no roll-up window reaches these old rows).
    await downsample(repo, now * 1000);
    const kept = async (resolution: 10 | 60 | 3600) =>
      (await repo.read([db], resolution, 0, now + 1, resolution)).length;
    assert.equal(await kept(10), 1, 'only the 10-s row younger than a day');
    assert.equal(await kept(60), 3, '1-min rows younger than a week');
    assert.equal(await kept(3600), 5, '1-h rows younger than 90 days');
  });
});
