/** All SQL of kept runtime logs: container output stored per deployment, capped per service. Times are epoch ms. */
import { sql } from 'kysely';
import type { Executor } from '../db/executor.js';

/** Which output of the container a line came from; null for lines kept before 0022 and for marker lines. */
export type KeptStream = 'stdout' | 'stderr';

/**
 * Whose line: a web replica's number, or a worker's name (`worker.1`). The column is an integer one
 * (migration 0015); SQLite keeps such a name as text in it, so no migration was needed.
 */
export type KeptReplica = number | string;

export interface KeptLine {
  serviceId: string;
  deploymentId: string;
  containerId: string;
  replica: KeptReplica;
  at: number;
  line: string;
  stream: KeptStream | null;
}

export interface StoredLine {
  id: number;
  at: number;
  replica: KeptReplica;
  line: string;
  stream: KeptStream | null;
}

export interface KeptDeployment {
  deploymentId: string;
  lines: number;
  firstAt: number;
  lastAt: number;
}

/**
 * One statement over a JSON array (SQLite unpacks it natively; far cheaper than binding thousands of
 * parameters). Lines of services deleted meanwhile are skipped (the foreign key would refuse them).
 */
export async function insertLines(db: Executor, lines: KeptLine[]): Promise<void> {
  if (lines.length === 0) return;
  const serviceIds = [...new Set(lines.map((l) => l.serviceId))];
  const known = new Set(
    (await db.selectFrom('services').select('id').where('id', 'in', serviceIds).execute()).map((r) => r.id),
  );
  const rows = JSON.stringify(
    lines
      .filter((l) => known.has(l.serviceId))
      .map((l) => [l.serviceId, l.deploymentId, l.containerId, l.replica, l.at, l.line, l.stream]),
  );
  await sql`insert into runtime_log_lines (service_id, deployment_id, container_id, replica, at, line, stream)
    select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6
    from json_each(${rows})`.execute(db);
}

/** The time of the last stored line of a container (to resume after a restart without duplicates). */
export async function lastLineAt(db: Executor, containerId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('runtime_log_lines')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('container_id', '=', containerId)
    .executeTakeFirst();
  return row?.at ?? undefined;
}

/** Lines of a container stored at or after `from` (what a re-read from that second may send again). */
export async function containerLinesSince(db: Executor, containerId: string, from: number): Promise<StoredLine[]> {
  return db
    .selectFrom('runtime_log_lines')
    .select(['id', 'at', 'replica', 'line', 'stream'])
    .where('container_id', '=', containerId)
    .where('at', '>=', from)
    .execute();
}

/** Deletes all but the newest `keep` lines of the service. */
export async function capService(db: Executor, serviceId: string, keep: number): Promise<void> {
  const cutoff = await db
    .selectFrom('runtime_log_lines')
    .select('id')
    .where('service_id', '=', serviceId)
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (cutoff !== undefined) {
    await db.deleteFrom('runtime_log_lines').where('service_id', '=', serviceId).where('id', '<=', cutoff.id).execute();
  }
}

/** Deployments of the service that have kept lines, newest first. */
export async function keptDeployments(db: Executor, serviceId: string): Promise<KeptDeployment[]> {
  const rows = await db
    .selectFrom('runtime_log_lines')
    .select((eb) => [
      'deployment_id',
      eb.fn.countAll<number>().as('lines'),
      eb.fn.min('at').as('first_at'),
      eb.fn.max('at').as('last_at'),
    ])
    .where('service_id', '=', serviceId)
    .groupBy('deployment_id')
    .orderBy(sql`max(id)`, 'desc')
    .execute();
  return rows.map((r) => ({
    deploymentId: r.deployment_id,
    lines: Number(r.lines),
    firstAt: r.first_at,
    lastAt: r.last_at,
  }));
}

/**
 * Lines of a deployment in order, `limit` at most: the last ones by default, or the ones after `afterId`
 * (paging forward, for downloads). `search` keeps lines containing it, case-insensitively (a plain
 * substring: no wildcard characters); `stream` keeps that stream's lines only (lines without one never match).
 */
export async function deploymentLines(
  db: Executor,
  deploymentId: string,
  options: { search?: string; stream?: KeptStream; limit: number; afterId?: number },
): Promise<StoredLine[]> {
  let query = db
    .selectFrom('runtime_log_lines')
    .select(['id', 'at', 'replica', 'line', 'stream'])
    .where('deployment_id', '=', deploymentId);
  if (options.stream !== undefined) query = query.where('stream', '=', options.stream);
  if (options.search !== undefined) {
    const needle = options.search.toLowerCase();
    query = query.where((eb) => eb(eb.fn('instr', [eb.fn('lower', ['line']), eb.val(needle)]), '>', 0));
  }
  if (options.afterId !== undefined) {
    return query.where('id', '>', options.afterId).orderBy('id').limit(options.limit).execute();
  }
  const newest = await query.orderBy('id', 'desc').limit(options.limit).execute();
  return newest.reverse();
}

export async function deploymentServiceId(db: Executor, deploymentId: string): Promise<string | undefined> {
  const row = await db.selectFrom('deployments').select('service_id').where('id', '=', deploymentId).executeTakeFirst();
  return row?.service_id;
}

/** The service whose lines are stored under a deployment or database-run id (undefined when none are). */
export async function keptServiceId(db: Executor, deploymentId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('runtime_log_lines')
    .select('service_id')
    .where('deployment_id', '=', deploymentId)
    .limit(1)
    .executeTakeFirst();
  return row?.service_id;
}
