/**
 * SQL the alert rules read: the latest outcome of each service's deployments and each database's
 * backups, the last verified backup of scheduled databases, the live deployments, and the names of
 * services and projects for alert titles.
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/executor.js';

export interface LatestFailure {
  /** The service (deployments) or database (backups) whose latest attempt failed. */
  ownerId: string;
  id: string;
  error: string | null;
}

/** Services whose latest live-or-failed deployment failed (cancelled, superseded and interrupted ones do not count). */
export async function latestFailedDeployments(db: Executor): Promise<LatestFailure[]> {
  const result = await sql<{ service_id: string; id: string; error: string | null }>`
    select service_id, id, error from (
      select service_id, id, status, error,
             row_number() over (partition by service_id order by created_at desc, rowid desc) as n
      from deployments where status in ('active', 'replaced', 'failed')
    ) where n = 1 and status = 'failed'`.execute(db);
  return result.rows.map((r) => ({ ownerId: r.service_id, id: r.id, error: r.error }));
}

/** Databases whose latest verified-or-failed backup failed. */
export async function latestFailedBackups(db: Executor): Promise<LatestFailure[]> {
  const result = await sql<{ database_id: string; id: string; error: string | null }>`
    select database_id, id, error from (
      select database_id, id, status, error,
             row_number() over (partition by database_id order by started_at desc, rowid desc) as n
      from backups where status in ('verified', 'failed')
    ) where n = 1 and status = 'failed'`.execute(db);
  return result.rows.map((r) => ({ ownerId: r.database_id, id: r.id, error: r.error }));
}

/** Databases on a backup schedule, with when each was created and its last verified backup finished. */
export async function scheduledDatabasesWithLastBackup(
  db: Executor,
): Promise<Array<{ serviceId: string; createdAt: string; lastVerified: string | null }>> {
  const rows = await db
    .selectFrom('databases')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('backups')
          .select(['database_id', (b) => b.fn.max('finished_at').as('last')])
          .where('status', '=', 'verified')
          .groupBy('database_id')
          .as('verified'),
      (join) => join.onRef('verified.database_id', '=', 'databases.service_id'),
    )
    .select(['databases.service_id', 'databases.created_at', 'verified.last'])
    .where('databases.backup_schedule', 'is not', null)
    .execute();
  return rows.map((r) => ({ serviceId: r.service_id, createdAt: r.created_at, lastVerified: r.last ?? null }));
}

export async function activeDeploymentIds(db: Executor): Promise<string[]> {
  const result = await sql<{ id: string }>`select id from deployments where status = 'active'`.execute(db);
  return result.rows.map((r) => r.id);
}

export async function serviceAndProjectNames(db: Executor) {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select([
      'services.id',
      'services.name',
      'services.kind',
      'projects.id as projectId',
      'projects.name as projectName',
    ])
    .execute();
}
