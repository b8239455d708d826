/**
 * Frozen: cron jobs of app services (issue 19).
 * - cron_jobs: a schedule (5 or 6 cron fields) in an IANA time zone, the command (JSON: {"argv": [...]} run
 *   as is, or {"shell": "..."} run by the image's `/bin/sh -c`), the overlap policy, a timeout, retries and
 *   whether it is enabled. Deleted with its service.
 * - cron_runs: one row per run (and per retry attempt): when it started and ended, its exit code, status,
 *   and the tail of its output (bounded by the runner). Deleted with its job; old rows are pruned to a cap.
 * - alert_rules: the `cron_failed` rule (a job's last finished run failed or timed out), enabled.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cron_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('overlap', 'text', (c) => c.notNull().check(sql`overlap in ('skip', 'queue', 'replace')`))
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('retries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cron_jobs_service_name')
    .on('cron_jobs')
    .columns(['service_id', 'name'])
    .unique()
    .execute();

  await db.schema
    .createTable('cron_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('cron_jobs.id').onDelete('cascade'))
    .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger in ('schedule', 'manual', 'retry', 'queue')`))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running', 'succeeded', 'failed', 'timed-out', 'skipped', 'cancelled')`),
    )
    .addColumn('image', 'text')
    .addColumn('container_id', 'text')
    .addColumn('started_at', 'integer', (c) => c.notNull())
    .addColumn('ended_at', 'integer')
    .addColumn('exit_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('log', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('cron_runs_job_started').on('cron_runs').columns(['job_id', 'started_at']).execute();
  await db
    .insertInto('alert_rules' as never)
    .values({ kind: 'cron_failed', threshold: null, window_seconds: null } as never)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db
    .deleteFrom('alert_rules' as never)
    .where('kind' as never, '=', 'cron_failed' as never)
    .execute();
  await db.schema.dropIndex('cron_runs_job_started').execute();
  await db.schema.dropTable('cron_runs').execute();
  await db.schema.dropIndex('cron_jobs_service_name').execute();
  await db.schema.dropTable('cron_jobs').execute();
}
