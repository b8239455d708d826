/** SQL of cron jobs and their runs (snake_case rows ↔ camelCase domain types). Plain functions over a db. */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { CronJobsTable, CronRunsTable } from '../db/schema.js';
import type { CronJob, CronJobInput, CronRun, CronRunStatus, CronRunWithLog, CronTrigger } from './cron.types.js';

const RUN_COLUMNS = [
  'id',
  'job_id',
  'trigger',
  'attempt',
  'status',
  'image',
  'container_id',
  'started_at',
  'ended_at',
  'exit_code',
  'error',
] as const;

function toJob(row: Selectable<CronJobsTable>): CronJob {
  return {
    id: row.id,
    serviceId: row.service_id,
    name: row.name,
    schedule: row.schedule,
    timezone: row.timezone,
    command: JSON.parse(row.command) as CronJob['command'],
    overlap: row.overlap,
    timeoutSeconds: row.timeout_seconds,
    retries: row.retries,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRun(row: Omit<Selectable<CronRunsTable>, 'log'>): CronRun {
  return {
    id: row.id,
    jobId: row.job_id,
    trigger: row.trigger,
    attempt: row.attempt,
    status: row.status,
    image: row.image,
    containerId: row.container_id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.ended_at === null ? null : row.ended_at - row.started_at,
    exitCode: row.exit_code,
    error: row.error,
  };
}

function jobColumns(input: CronJobInput) {
  return {
    name: input.name,
    schedule: input.schedule,
    timezone: input.timezone,
    command: JSON.stringify(input.command),
    overlap: input.overlap,
    timeout_seconds: input.timeoutSeconds,
    retries: input.retries,
    enabled: input.enabled ? 1 : 0,
  };
}

export async function insertJob(db: Executor, id: string, serviceId: string, input: CronJobInput): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('cron_jobs')
    .values({ id, service_id: serviceId, ...jobColumns(input), created_at: now, updated_at: now })
    .execute();
}

export async function updateJob(db: Executor, id: string, input: CronJobInput): Promise<void> {
  await db
    .updateTable('cron_jobs')
    .set({ ...jobColumns(input), updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
}

export async function findJob(db: Executor, id: string): Promise<CronJob | undefined> {
  const row = await db.selectFrom('cron_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toJob(row);
}

export async function findJobByName(db: Executor, serviceId: string, name: string): Promise<CronJob | undefined> {
  const row = await db
    .selectFrom('cron_jobs')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toJob(row);
}

export async function listJobsOfService(db: Executor, serviceId: string): Promise<CronJob[]> {
  const rows = await db
    .selectFrom('cron_jobs')
    .selectAll()
    .where('service_id', '=', serviceId)
    .orderBy('name')
    .execute();
  return rows.map(toJob);
}

export async function listAllJobs(db: Executor): Promise<CronJob[]> {
  return (await db.selectFrom('cron_jobs').selectAll().execute()).map(toJob);
}

export async function deleteJob(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('cron_jobs').where('id', '=', id).execute();
}

export async function insertRun(
  db: Executor,
  run: { id: string; jobId: string; trigger: CronTrigger; attempt: number; status: CronRunStatus; startedAt: number },
  ended?: { endedAt: number; error: string | null },
): Promise<void> {
  await db
    .insertInto('cron_runs')
    .values({
      id: run.id,
      job_id: run.jobId,
      trigger: run.trigger,
      attempt: run.attempt,
      status: run.status,
      image: null,
      container_id: null,
      started_at: run.startedAt,
      ended_at: ended?.endedAt ?? null,
      exit_code: null,
      error: ended?.error ?? null,
    })
    .execute();
}

export async function recordRunContainer(db: Executor, id: string, image: string, containerId: string): Promise<void> {
  await db.updateTable('cron_runs').set({ image, container_id: containerId }).where('id', '=', id).execute();
}

export async function finishRun(
  db: Executor,
  id: string,
  end: { status: CronRunStatus; endedAt: number; exitCode: number | null; error: string | null; log: string },
): Promise<void> {
  await db
    .updateTable('cron_runs')
    .set({ status: end.status, ended_at: end.endedAt, exit_code: end.exitCode, error: end.error, log: end.log })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

export async function listRuns(db: Executor, jobId: string, limit: number): Promise<CronRun[]> {
  const rows = await db
    .selectFrom('cron_runs')
    .select(RUN_COLUMNS)
    .where('job_id', '=', jobId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

export async function findRun(db: Executor, id: string): Promise<CronRunWithLog | undefined> {
  const row = await db.selectFrom('cron_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { ...toRun(row), log: row.log };
}

/** Whether the run's row is still there (it goes with its job, and the job with its service). */
export async function runExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('cron_runs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function listRunningRuns(db: Executor): Promise<CronRun[]> {
  const rows = await db.selectFrom('cron_runs').select(RUN_COLUMNS).where('status', '=', 'running').execute();
  return rows.map(toRun);
}

/** Keeps the newest `keep` runs of a job (never a running one). */
export async function pruneRuns(db: Executor, jobId: string, keep: number): Promise<number> {
  const kept = db
    .selectFrom('cron_runs')
    .select('id')
    .where('job_id', '=', jobId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(keep);
  const result = await db
    .deleteFrom('cron_runs')
    .where('job_id', '=', jobId)
    .where('status', '!=', 'running')
    .where('id', 'not in', kept)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
