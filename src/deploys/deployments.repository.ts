/** SQL for deployments. Rows are snake_case; Deployment is the domain shape. */
import type { Executor } from '../db/executor.js';
import type { Updateable } from 'kysely';
import type { DeploymentsTable } from '../db/schema.js';
import {
  ACTIVE_PHASES,
  type BuiltFrom,
  type Deployment,
  type DeploymentStatus,
  type DeploymentTrigger,
} from './deployment.types.js';

type Row = Omit<DeploymentsTable, 'phase_timings' | 'created_at'> & { phase_timings: string; created_at: string };

function toDeployment(row: Row): Deployment {
  return {
    id: row.id,
    serviceId: row.service_id,
    status: row.status as DeploymentStatus,
    trigger: row.trigger as DeploymentTrigger,
    triggeredBy: row.triggered_by,
    commit: row.commit_sha ? { sha: row.commit_sha, message: row.commit_message, author: row.commit_author } : null,
    image: row.image,
    builtFrom: row.built_from as BuiltFrom | null,
    rollbackOf: row.rollback_of,
    error: row.error,
    phaseTimings: JSON.parse(row.phase_timings) as Record<string, number>,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export async function insertDeployment(
  db: Executor,
  values: Pick<DeploymentsTable, 'id' | 'service_id' | 'trigger' | 'triggered_by' | 'image' | 'rollback_of'> & {
    commit_sha?: string | null;
    commit_message?: string | null;
    commit_author?: string | null;
    built_from?: BuiltFrom | null;
    variables_encrypted?: string | null;
  },
): Promise<Deployment> {
  await db
    .insertInto('deployments')
    .values({ ...values, status: 'queued', created_at: new Date().toISOString() })
    .execute();
  return (await findDeployment(db, values.id))!;
}

export async function findDeployment(db: Executor, id: string): Promise<Deployment | undefined> {
  const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDeployment(row as Row);
}

export async function listDeploymentsOfService(db: Executor, serviceId: string, limit = 50): Promise<Deployment[]> {
  const rows = await db
    .selectFrom('deployments')
    .selectAll()
    .where('service_id', '=', serviceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => toDeployment(r as Row));
}

export async function findActiveDeployment(db: Executor, serviceId: string): Promise<Deployment | undefined> {
  const row = await db
    .selectFrom('deployments')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row && toDeployment(row as Row);
}

export async function listDeploymentsByStatus(db: Executor, statuses: readonly string[]): Promise<Deployment[]> {
  if (statuses.length === 0) return [];
  const rows = await db
    .selectFrom('deployments')
    .selectAll()
    .where('status', 'in', [...statuses])
    .orderBy('created_at')
    .execute();
  return rows.map((r) => toDeployment(r as Row));
}

export async function updateDeployment(
  db: Executor,
  id: string,
  changes: Partial<{
    status: DeploymentStatus;
    error: string | null;
    image: string | null;
    commit: { sha: string; message: string | null; author: string | null };
    phaseTimings: Record<string, number>;
    startedAt: string;
    finishedAt: string;
  }>,
): Promise<void> {
  const set: Updateable<DeploymentsTable> = {};
  if (changes.status !== undefined) set.status = changes.status;
  if (changes.error !== undefined) set.error = changes.error;
  if (changes.image !== undefined) set.image = changes.image;
  if (changes.commit) {
    set.commit_sha = changes.commit.sha;
    set.commit_message = changes.commit.message;
    set.commit_author = changes.commit.author;
  }
  if (changes.phaseTimings) set.phase_timings = JSON.stringify(changes.phaseTimings);
  if (changes.startedAt) set.started_at = changes.startedAt;
  if (changes.finishedAt) set.finished_at = changes.finishedAt;
  await db.updateTable('deployments').set(set).where('id', '=', id).execute();
}

/** The sealed variables a deployment ran with (or, for a rollback, will run with); never part of Deployment. */
export async function sealedVariablesOf(db: Executor, id: string): Promise<string | null> {
  const row = await db.selectFrom('deployments').select('variables_encrypted').where('id', '=', id).executeTakeFirst();
  return row?.variables_encrypted ?? null;
}

/** The settings a deployment ran with (JSON, see settings-snapshot.ts); null for rows older than 0018. */
export async function settingsSnapshotOf(db: Executor, id: string): Promise<string | null> {
  const row = await db.selectFrom('deployments').select('settings_json').where('id', '=', id).executeTakeFirst();
  return row?.settings_json ?? null;
}

export async function recordSettingsSnapshot(db: Executor, id: string, json: string): Promise<void> {
  await db.updateTable('deployments').set({ settings_json: json }).where('id', '=', id).execute();
}

export async function recordSealedVariables(db: Executor, id: string, sealed: string): Promise<void> {
  await db.updateTable('deployments').set({ variables_encrypted: sealed }).where('id', '=', id).execute();
}

/**
 * The service's newest deployment that stands for code the user gave Berth: anything with a known
 * origin, except pushes that were refused (a push whose deployment failed leaves the branch where it was).
 */
export async function findLatestOrigin(db: Executor, serviceId: string): Promise<Deployment | undefined> {
  const row = await db
    .selectFrom('deployments')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('built_from', 'in', ['url', 'push'])
    .where((eb) =>
      eb.or([
        eb('trigger', '!=', 'push'),
        eb('status', 'not in', ['failed', 'cancelled', 'interrupted', 'superseded']),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && toDeployment(row as Row);
}

/**
 * The running commit, when `sha` is that commit or one the service ran before it (older, as far as Berth
 * has seen); undefined when `sha` would be new to the service.
 */
export async function runningCommitIfNotNewer(
  db: Executor,
  serviceId: string,
  sha: string,
): Promise<string | undefined> {
  const active = await findActiveDeployment(db, serviceId);
  if (!active?.commit) return undefined;
  if (active.commit.sha === sha) return sha;
  const earlier = await db
    .selectFrom('deployments')
    .select('id')
    .where('service_id', '=', serviceId)
    .where('commit_sha', '=', sha)
    .where('status', 'in', ['active', 'replaced'])
    .where('created_at', '<', active.createdAt)
    .executeTakeFirst();
  return earlier ? active.commit.sha : undefined;
}

/** Deployments a dead daemon was running: marked interrupted at start. */
export async function markRunningAsInterrupted(db: Executor): Promise<Deployment[]> {
  const running = await listDeploymentsByStatus(db, ACTIVE_PHASES);
  for (const d of running) {
    await updateDeployment(db, d.id, {
      status: 'interrupted',
      error: 'The Berth daemon stopped while this deployment was running.',
      finishedAt: new Date().toISOString(),
    });
  }
  return running;
}

/** Successful deployments (active or replaced) with an image, newest first: rollback targets. */
export async function listDeploymentsWithImages(db: Executor, serviceId: string): Promise<Deployment[]> {
  const rows = await db
    .selectFrom('deployments')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('status', 'in', ['active', 'replaced'])
    .where('image', 'is not', null)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => toDeployment(r as Row));
}

/**
 * For a page that shows many services at once (the project canvas): each service's newest deployment and
 * its active one, in one query instead of two per service.
 */
export async function newestAndActiveOf(
  db: Executor,
  serviceIds: readonly string[],
): Promise<{ newest: Map<string, Deployment>; active: Map<string, Deployment> }> {
  const newest = new Map<string, Deployment>();
  const active = new Map<string, Deployment>();
  if (serviceIds.length === 0) return { newest, active };
  const rows = await db
    .selectFrom('deployments as d')
    .selectAll('d')
    .where('d.service_id', 'in', serviceIds)
    .where((eb) =>
      eb.or([
        eb('d.status', '=', 'active'),
        eb(
          'd.id',
          '=',
          eb
            .selectFrom('deployments as n')
            .select('n.id')
            .whereRef('n.service_id', '=', 'd.service_id')
            .orderBy('n.created_at', 'desc')
            .orderBy('n.id', 'desc')
            .limit(1),
        ),
      ]),
    )
    .execute();
  for (const deployment of rows.map((r) => toDeployment(r as Row))) {
    if (deployment.status === 'active') active.set(deployment.serviceId, deployment);
    const known = newest.get(deployment.serviceId);
    const isNewer =
      !known ||
      deployment.createdAt > known.createdAt ||
      (deployment.createdAt === known.createdAt && deployment.id > known.id);
    if (isNewer) newest.set(deployment.serviceId, deployment);
  }
  return { newest, active };
}
