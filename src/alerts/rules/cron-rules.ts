/** A cron job's last run failed or timed out (resolved once a later run succeeds, or the job is deleted). */
import type { Finding } from '../alert.types.js';
import { cronJobsWhoseLastRunFailed } from './cron-inputs.repository.js';
import type { RuleCheck } from './rule-context.js';
import { serviceLabel, serviceNames } from './subjects.js';

export const cronFailed: RuleCheck = async (ctx) => {
  const rows = await cronJobsWhoseLastRunFailed(ctx.db);
  const names = await serviceNames(ctx.db);
  const findings: Finding[] = [];
  for (const row of rows) {
    const service = names.get(row.serviceId);
    if (!service) continue;
    const how =
      row.status === 'timed-out'
        ? 'timed out'
        : `failed${row.exitCode === null ? '' : ` with exit code ${row.exitCode}`}`;
    findings.push({
      subject: `cron:${row.jobId}`,
      projectId: service.projectId,
      title: `Cron job ${row.jobName} of ${serviceLabel(service)} ${row.status === 'timed-out' ? 'timed out' : 'failed'}`,
      detail: `Run ${row.runId} ${how}${row.error ? `: ${row.error.split('\n')[0]!.slice(0, 300)}` : ''}`,
    });
  }
  return findings;
};
