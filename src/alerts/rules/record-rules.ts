/**
 * Rules over what the database records: the last deployment of a service failed (resolved once a later
 * one goes live), the last backup of a database failed (resolved by a verified one), and a database on a
 * backup schedule has no verified backup for `threshold` hours.
 */
import { sql } from 'kysely';
import type { Finding } from '../alert.types.js';
import type { RuleCheck } from './rule-context.js';
import { serviceLabel, serviceNames } from './subjects.js';

const firstLine = (text: string | null) => (text ?? 'no reason recorded').split('\n')[0]!.slice(0, 300);

export const deployFailed: RuleCheck = async (ctx) => {
  // Cancelled, superseded and interrupted deployments say nothing about the code; only live ones and failures count.
  const rows = await sql<{ service_id: string; id: string; error: string | null }>`
    select service_id, id, error from (
      select service_id, id, status, error,
             row_number() over (partition by service_id order by created_at desc, rowid desc) as n
      from deployments where status in ('active', 'replaced', 'failed')
    ) where n = 1 and status = 'failed'`.execute(ctx.db);
  const names = await serviceNames(ctx.db);
  const findings: Finding[] = [];
  for (const row of rows.rows) {
    const service = names.get(row.service_id);
    if (!service) continue;
    findings.push({
      subject: `service:${row.service_id}`,
      projectId: service.projectId,
      title: `Deploy of ${serviceLabel(service)} failed`,
      detail: `Deployment ${row.id} failed: ${firstLine(row.error)}`,
    });
  }
  return findings;
};

export const backupFailed: RuleCheck = async (ctx) => {
  const rows = await sql<{ database_id: string; id: string; error: string | null }>`
    select database_id, id, error from (
      select database_id, id, status, error,
             row_number() over (partition by database_id order by started_at desc, rowid desc) as n
      from backups where status in ('verified', 'failed')
    ) where n = 1 and status = 'failed'`.execute(ctx.db);
  const names = await serviceNames(ctx.db);
  return rows.rows.flatMap((row) => {
    const database = names.get(row.database_id);
    if (!database) return [];
    return [
      {
        subject: `database:${row.database_id}`,
        projectId: database.projectId,
        title: `Backup of ${serviceLabel(database)} failed`,
        detail: `Backup ${row.id} failed: ${firstLine(row.error)}`,
      },
    ];
  });
};

export const backupMissing: RuleCheck = async (ctx, rule) => {
  const hours = rule.threshold ?? 48;
  const since = new Date(ctx.now() - hours * 3_600_000).toISOString();
  const rows = await ctx.db
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
  const names = await serviceNames(ctx.db);
  const findings: Finding[] = [];
  for (const row of rows) {
    const database = names.get(row.service_id);
    const last = row.last ?? null;
    if (!database || (last ?? row.created_at) >= since) continue;
    findings.push({
      subject: `database:${row.service_id}`,
      projectId: database.projectId,
      title: `No recent backup of ${serviceLabel(database)}`,
      detail: last
        ? `The last verified backup finished at ${last}, more than ${hours} h ago.`
        : `It has a backup schedule but no verified backup in ${hours} h.`,
    });
  }
  return findings;
};
