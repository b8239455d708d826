/** SQL the cron alert rule reads: each cron job whose latest finished run failed or timed out. */
import { sql } from 'kysely';
import type { Executor } from '../../db/executor.js';

export interface FailedCronJob {
  jobId: string;
  jobName: string;
  serviceId: string;
  runId: string;
  status: 'failed' | 'timed-out';
  exitCode: number | null;
  error: string | null;
}

export async function cronJobsWhoseLastRunFailed(db: Executor): Promise<FailedCronJob[]> {
  // Skipped and cancelled runs say nothing about the command; a running one has no verdict yet.
  const result = await sql<{
    job_id: string;
    name: string;
    service_id: string;
    id: string;
    status: 'failed' | 'timed-out';
    exit_code: number | null;
    error: string | null;
  }>`
    select r.job_id, j.name, j.service_id, r.id, r.status, r.exit_code, r.error from (
      select job_id, id, status, exit_code, error,
             row_number() over (partition by job_id order by started_at desc, rowid desc) as n
      from cron_runs where status in ('succeeded', 'failed', 'timed-out')
    ) r join cron_jobs j on j.id = r.job_id
    where r.n = 1 and r.status in ('failed', 'timed-out')`.execute(db);
  return result.rows.map((r) => ({
    jobId: r.job_id,
    jobName: r.name,
    serviceId: r.service_id,
    runId: r.id,
    status: r.status,
    exitCode: r.exit_code,
    error: r.error,
  }));
}
