/** All SQL of the traffic feature: HTTP metric samples and the request log. Times are epoch ms. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';
import { encodeHistogram } from './latency-histogram.js';
import type { RequestLogEntry } from './request-log-buffer.js';
import type { TrafficWindow } from './traffic-accounting.js';

export type Resolution = '10s' | '1h';

export interface SampleRow {
  at: number;
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  bytesIn: number;
  bytesOut: number;
  latency: string;
  logDropped: number;
}

export interface RequestLogFilter {
  serviceId: string;
  from?: number;
  to?: number;
  /** An exact status (e.g. 404) or a class (400 with `statusClass`). */
  status?: number;
  statusClass?: 2 | 3 | 4 | 5;
  method?: string;
  pathPrefix?: string;
  minDurationMs?: number;
  limit: number;
}

export interface RequestLogRow extends Omit<RequestLogEntry, 'serviceId'> {
  id: number;
}

export async function insertSamples(
  db: Executor,
  resolution: Resolution,
  at: number,
  windows: TrafficWindow[],
): Promise<void> {
  if (windows.length === 0) return;
  await db
    .insertInto('traffic_samples')
    .values(
      windows.map((w) => ({
        service_id: w.serviceId,
        resolution,
        at,
        requests: w.requests,
        status_2xx: w.statusClasses[0],
        status_3xx: w.statusClasses[1],
        status_4xx: w.statusClasses[2],
        status_5xx: w.statusClasses[3],
        bytes_in: w.bytesIn,
        bytes_out: w.bytesOut,
        latency: encodeHistogram(w.latency),
        log_dropped: w.logDropped,
      })),
    )
    .execute();
}

/**
 * Callers pass only entries of existing services (existingServiceIds): the foreign key refuses others.
 * One statement over a JSON array: SQLite unpacks it natively, far cheaper than binding thousands of
 * parameters (this runs every second on the daemon's thread while the proxy is busy).
 */
export async function insertRequestLog(db: Executor, entries: RequestLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = JSON.stringify(
    entries.map((e) => [e.serviceId, e.at, e.method, e.path, e.status, e.durationMs, e.bytesIn, e.bytesOut]),
  );
  await sql`insert into request_log (service_id, at, method, path, status, duration_ms, bytes_in, bytes_out)
    select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7
    from json_each(${rows})`.execute(db);
}

export async function existingServiceIds(db: Executor, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('services').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** Samples of one service, or of several summed by the caller (a project's or the server's view). */
export async function samplesBetween(
  db: Executor,
  serviceId: string | readonly string[],
  resolution: Resolution,
  from: number,
  to: number,
): Promise<SampleRow[]> {
  const rows = await db
    .selectFrom('traffic_samples')
    .selectAll()
    .where('service_id', 'in', typeof serviceId === 'string' ? [serviceId] : serviceId)
    .where('resolution', '=', resolution)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .execute();
  return rows.map((r) => ({
    at: r.at,
    requests: r.requests,
    status2xx: r.status_2xx,
    status3xx: r.status_3xx,
    status4xx: r.status_4xx,
    status5xx: r.status_5xx,
    bytesIn: r.bytes_in,
    bytesOut: r.bytes_out,
    latency: r.latency,
    logDropped: r.log_dropped,
  }));
}

/** Services with 10 s samples before `before` (candidates for the hourly roll-up). */
export async function servicesWithFineSamples(db: Executor, before: number): Promise<string[]> {
  const rows = await db
    .selectFrom('traffic_samples')
    .select('service_id')
    .distinct()
    .where('resolution', '=', '10s')
    .where('at', '<', before)
    .execute();
  return rows.map((r) => r.service_id);
}

export async function hasHourSample(db: Executor, serviceId: string, at: number): Promise<boolean> {
  const row = await db
    .selectFrom('traffic_samples')
    .select('at')
    .where('service_id', '=', serviceId)
    .where('resolution', '=', '1h')
    .where('at', '=', at)
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteSamplesBefore(db: Executor, resolution: Resolution, before: number): Promise<void> {
  await db.deleteFrom('traffic_samples').where('resolution', '=', resolution).where('at', '<', before).execute();
}

export async function queryRequestLog(db: Executor, filter: RequestLogFilter): Promise<RequestLogRow[]> {
  let query = db.selectFrom('request_log').selectAll().where('service_id', '=', filter.serviceId);
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.statusClass !== undefined) {
    query = query.where('status', '>=', filter.statusClass * 100).where('status', '<', filter.statusClass * 100 + 100);
  }
  if (filter.method !== undefined) query = query.where('method', '=', filter.method);
  if (filter.pathPrefix !== undefined) {
    // substr, not LIKE: a prefix with % or _ means those characters, not wildcards.
    const prefix = filter.pathPrefix;
    query = query.where((eb) => eb(eb.fn('substr', ['path', eb.val(1), eb.val(prefix.length)]), '=', prefix));
  }
  if (filter.minDurationMs !== undefined) query = query.where('duration_ms', '>=', filter.minDurationMs);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    method: r.method,
    path: r.path,
    status: r.status,
    durationMs: r.duration_ms,
    bytesIn: r.bytes_in,
    bytesOut: r.bytes_out,
  }));
}

/** Rows deleted per statement when pruning by age: each step is a short pause for the daemon's thread. */
const PRUNE_CHUNK = 5000;

/** Drops request-log rows older than `before`, a chunk at a time (yielding in between). */
export async function pruneRequestLogBefore(db: Executor, before: number): Promise<void> {
  for (;;) {
    const result = await db
      .deleteFrom('request_log')
      .where('id', 'in', (eb) => eb.selectFrom('request_log').select('id').where('at', '<', before).limit(PRUNE_CHUNK))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) < PRUNE_CHUNK) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function requestLogServiceIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('request_log').select('service_id').distinct().execute();
  return rows.map((r) => r.service_id);
}

/**
 * Keeps the newest `keep` rows of a service. Runs after every write, so it deletes about as many rows as
 * were just written; it walks the (service_id, at) index, never sorts.
 */
export async function capRequestLog(db: Executor, serviceId: string, keep: number): Promise<void> {
  // (at, id): the index holds the rowid after `at`, so this order needs no sort, and rows of the same
  // millisecond are told apart.
  const cutoff = await db
    .selectFrom('request_log')
    .select(['at', 'id'])
    .where('service_id', '=', serviceId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (cutoff !== undefined) {
    await db
      .deleteFrom('request_log')
      .where('service_id', '=', serviceId)
      .where((eb) => eb.or([eb('at', '<', cutoff.at), eb.and([eb('at', '=', cutoff.at), eb('id', '<=', cutoff.id)])]))
      .execute();
  }
}
