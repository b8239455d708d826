/** All SQL of the metrics feature: series ids, sample rows, roll-ups between resolutions, retention, reads. */
import { sql } from 'kysely';
import type { Db } from '../db/connection.js';
import { SERVER_SERIES, type Bucket, type Resolution } from './metrics.types.js';

export interface ServiceEntry {
  serviceId: string;
  serviceName: string;
  kind: 'app' | 'database';
  projectId: string;
  projectName: string;
}

export class MetricsRepository {
  private readonly seriesIds = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** The integer id of a series key, created on first use. */
  async seriesId(key: string): Promise<number> {
    const known = this.seriesIds.get(key);
    if (known !== undefined) return known;
    await this.db
      .insertInto('metric_series')
      .values({ key })
      .onConflict((c) => c.column('key').doNothing())
      .execute();
    const row = await this.db.selectFrom('metric_series').select('id').where('key', '=', key).executeTakeFirstOrThrow();
    this.seriesIds.set(key, row.id);
    return row.id;
  }

  /** Series ids of existing keys (unknown keys are left out). */
  async existingSeries(keys: readonly string[]): Promise<Map<number, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.selectFrom('metric_series').select(['id', 'key']).where('key', 'in', keys).execute();
    return new Map(rows.map((r) => [r.id, r.key]));
  }

  /**
   * Writes buckets of one resolution in one transaction. A bucket already there is merged with the new one
   * (counters add up, gauges average by samples): two readings that fall into one bucket both count.
   */
  async write(resolution: Resolution, rows: ReadonlyArray<{ series: number; bucket: Bucket }>): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const { series, bucket: b } of rows) {
        await tx
          .insertInto('metric_samples')
          .values({
            series,
            resolution,
            ts: b.ts,
            samples: b.samples,
            span_ms: Math.round(b.spanMs),
            cpu_ms: Math.round(b.cpuMs),
            memory_avg: Math.round(b.memoryAvg),
            memory_max: Math.round(b.memoryMax),
            memory_limit: Math.round(b.memoryLimit),
            net_rx: Math.round(b.netRx),
            net_tx: Math.round(b.netTx),
            blk_read: Math.round(b.blkRead),
            blk_write: Math.round(b.blkWrite),
            restarts: b.restarts,
            containers: b.containers,
            disk_bytes: b.diskBytes === null ? null : Math.round(b.diskBytes),
          })
          .onConflict((oc) =>
            oc.columns(['series', 'resolution', 'ts']).doUpdateSet({
              samples: sql`samples + excluded.samples`,
              span_ms: sql`span_ms + excluded.span_ms`,
              cpu_ms: sql`cpu_ms + excluded.cpu_ms`,
              memory_avg: sql`(memory_avg * samples + excluded.memory_avg * excluded.samples) / MAX(samples + excluded.samples, 1)`,
              memory_max: sql`MAX(memory_max, excluded.memory_max)`,
              memory_limit: sql`MAX(memory_limit, excluded.memory_limit)`,
              net_rx: sql`net_rx + excluded.net_rx`,
              net_tx: sql`net_tx + excluded.net_tx`,
              blk_read: sql`blk_read + excluded.blk_read`,
              blk_write: sql`blk_write + excluded.blk_write`,
              restarts: sql`restarts + excluded.restarts`,
              containers: sql`MAX(containers, excluded.containers)`,
              disk_bytes: sql`COALESCE(excluded.disk_bytes, disk_bytes)`,
            }),
          )
          .execute();
      }
    });
  }

  /**
   * Recomputes every `to` bucket from `from` rows starting at `since` (aligned down to a `to` bucket), so a
   * bucket still filling up is simply recomputed next time: roll-ups are idempotent.
   */
  async rollUp(from: Resolution, to: Resolution, since: number): Promise<number> {
    const start = Math.floor(since / to) * to;
    // Bound numbers arrive as REAL in SQLite; integer division (bucketing) needs an INTEGER operand.
    const width = sql`CAST(${to} AS INTEGER)`;
    const result = await sql`
      INSERT OR REPLACE INTO metric_samples (series, resolution, ts, samples, span_ms, cpu_ms, memory_avg,
        memory_max, memory_limit, net_rx, net_tx, blk_read, blk_write, restarts, containers, disk_bytes)
      SELECT series, ${width}, (ts / ${width}) * ${width} AS bucket, SUM(samples), SUM(span_ms), SUM(cpu_ms),
        SUM(memory_avg * samples) / MAX(SUM(samples), 1), MAX(memory_max), MAX(memory_limit), SUM(net_rx),
        SUM(net_tx), SUM(blk_read), SUM(blk_write), SUM(restarts), MAX(containers), MAX(disk_bytes)
      FROM metric_samples
      WHERE resolution = ${from} AND ts >= ${start}
      GROUP BY series, bucket`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** Deletes rows of a resolution older than `before` (unix seconds). Returns how many. */
  async prune(resolution: Resolution, before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('metric_samples')
      .where('resolution', '=', resolution)
      .where('ts', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Deletes the series (and, by cascade, the samples) of services (apps and databases) that no longer exist, so a
   * deleted service leaves no metrics behind. The host's series is kept. Returns how many series went.
   */
  async pruneOwnerless(): Promise<number> {
    const result = await this.db
      .deleteFrom('metric_series')
      .where('key', '!=', SERVER_SERIES)
      .where('key', 'not in', (qb) => qb.selectFrom('services').select('services.id'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Buckets of the given series aggregated into `step`-second points over [from, to), one row per series
   * and point (a project view adds its services up).
   */
  async read(
    series: readonly number[],
    resolution: Resolution,
    from: number,
    to: number,
    step: number,
  ): Promise<Array<{ series: number; bucket: Bucket }>> {
    if (series.length === 0) return [];
    const width = sql`CAST(${step} AS INTEGER)`;
    const rows = await sql<Record<string, number | null>>`
      SELECT series, (ts / ${width}) * ${width} AS t, SUM(samples) AS samples, SUM(span_ms) AS span_ms,
        SUM(cpu_ms) AS cpu_ms, SUM(memory_avg * samples) / MAX(SUM(samples), 1) AS memory_avg,
        MAX(memory_max) AS memory_max, MAX(memory_limit) AS memory_limit, SUM(net_rx) AS net_rx,
        SUM(net_tx) AS net_tx, SUM(blk_read) AS blk_read, SUM(blk_write) AS blk_write,
        SUM(restarts) AS restarts, MAX(containers) AS containers, MAX(disk_bytes) AS disk_bytes
      FROM metric_samples
      WHERE series IN (${sql.join(series)}) AND resolution = ${resolution} AND ts >= ${from} AND ts < ${to}
      GROUP BY series, t ORDER BY t`.execute(this.db);
    return rows.rows.map((r) => ({
      series: Number(r.series),
      bucket: {
        ts: Number(r.t),
        samples: Number(r.samples),
        spanMs: Number(r.span_ms),
        cpuMs: Number(r.cpu_ms),
        memoryAvg: Number(r.memory_avg),
        memoryMax: Number(r.memory_max),
        memoryLimit: Number(r.memory_limit),
        netRx: Number(r.net_rx),
        netTx: Number(r.net_tx),
        blkRead: Number(r.blk_read),
        blkWrite: Number(r.blk_write),
        restarts: Number(r.restarts),
        containers: Number(r.containers),
        diskBytes: r.disk_bytes === null ? null : Number(r.disk_bytes),
      },
    }));
  }

  /** Every service with its project: which containers count, and the labels of their series. */
  async serviceDirectory(): Promise<ServiceEntry[]> {
    return this.db
      .selectFrom('services')
      .innerJoin('projects', 'projects.id', 'services.project_id')
      .select([
        'services.id as serviceId',
        'services.name as serviceName',
        'services.kind as kind',
        'projects.id as projectId',
        'projects.name as projectName',
      ])
      .orderBy('projects.name')
      .orderBy('services.name')
      .execute();
  }

  /** Rows and an estimate of the bytes the metrics tables take (for the size budget and the panel). */
  async size(): Promise<{ rows: number }> {
    const row = await this.db
      .selectFrom('metric_samples')
      .select((eb) => eb.fn.countAll<number>().as('rows'))
      .executeTakeFirstOrThrow();
    return { rows: Number(row.rows) };
  }
}
