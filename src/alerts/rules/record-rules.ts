/**
 * Rules over what the database records: the last deployment of a service failed (resolved once a later
 * one goes live), the last backup of a database failed (resolved by a verified one), and a database on a
 * backup schedule has no verified backup for `threshold` hours.
 */
import type { Finding } from '../alert.types.js';
import type { RuleCheck } from './rule-context.js';
import {
  latestFailedBackups,
  latestFailedDeployments,
  scheduledDatabasesWithLastBackup,
} from './rule-inputs.repository.js';
import { serviceLabel, serviceNames } from './subjects.js';

const firstLine = (text: string | null) => (text ?? 'no reason recorded').split('\n')[0]!.slice(0, 300);

export const deployFailed: RuleCheck = async (ctx) => {
  // Cancelled, superseded and interrupted deployments say nothing about the code; only live ones and failures count.
  const rows = await latestFailedDeployments(ctx.db);
  const names = await serviceNames(ctx.db);
  const findings: Finding[] = [];
  for (const row of rows) {
    const service = names.get(row.ownerId);
    if (!service) continue;
    findings.push({
      subject: `service:${row.ownerId}`,
      projectId: service.projectId,
      title: `Deploy of ${serviceLabel(service)} failed`,
      detail: `Deployment ${row.id} failed: ${firstLine(row.error)}`,
    });
  }
  return findings;
};

export const backupFailed: RuleCheck = async (ctx) => {
  const rows = await latestFailedBackups(ctx.db);
  const names = await serviceNames(ctx.db);
  return rows.flatMap((row) => {
    const database = names.get(row.ownerId);
    if (!database) return [];
    return [
      {
        subject: `database:${row.ownerId}`,
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
  const rows = await scheduledDatabasesWithLastBackup(ctx.db);
  const names = await serviceNames(ctx.db);
  const findings: Finding[] = [];
  for (const row of rows) {
    const database = names.get(row.serviceId);
    const last = row.lastVerified;
    if (!database || (last ?? row.createdAt) >= since) continue;
    findings.push({
      subject: `database:${row.serviceId}`,
      projectId: database.projectId,
      title: `No recent backup of ${serviceLabel(database)}`,
      detail: last
        ? `The last verified backup finished at ${last}, more than ${hours} h ago.`
        : `It has a backup schedule but no verified backup in ${hours} h.`,
    });
  }
  return findings;
};
