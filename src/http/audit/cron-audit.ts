/**
 * How cron job changes are audited: the object is the service (the route's `:id`), its state the service's
 * cron jobs by name, so the diff says which job changed and how (schedule, command, paused…). Runs started
 * by hand are recorded as `cron.run` on the same object.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readCronJobsOf: AuditLookup<Found> = async (ctx: AppContext, serviceId: string) => {
  try {
    const service = await ctx.projects.getService(serviceId);
    const jobs = await ctx.cron.list(serviceId);
    const cronJobs = Object.fromEntries(
      jobs.map((j) => [
        j.name,
        {
          id: j.id,
          schedule: j.schedule,
          timezone: j.timezone,
          command: j.command,
          overlap: j.overlap,
          timeoutSeconds: j.timeoutSeconds,
          retries: j.retries,
          enabled: j.enabled,
        },
      ]),
    );
    return { id: service.id, name: service.name, projectId: service.projectId, state: { cronJobs } };
  } catch {
    return undefined;
  }
};

/** An AuditRule (audit-actions.ts, which spreads these in; typed here by shape to keep imports one-way). */
interface CronAuditRule {
  action: string;
  objectType: string;
  read: AuditLookup<Found>;
}

const rule = (action: string): CronAuditRule => ({ action, objectType: 'service', read: readCronJobsOf });

/** Panel forms and API routes of cron jobs → audit actions. */
export const CRON_AUDIT_RULES: Record<string, CronAuditRule> = {
  'POST /services/:id/cron': rule('cron.create'),
  'POST /api/v1/services/:id/cron-jobs': rule('cron.create'),
  'POST /services/:id/cron/:jobId': rule('cron.update'),
  'POST /services/:id/cron/:jobId/pause': rule('cron.update'),
  'POST /services/:id/cron/:jobId/resume': rule('cron.update'),
  'PATCH /api/v1/services/:id/cron-jobs/:jobId': rule('cron.update'),
  'POST /services/:id/cron/:jobId/delete': rule('cron.delete'),
  'DELETE /api/v1/services/:id/cron-jobs/:jobId': rule('cron.delete'),
  'POST /services/:id/cron/:jobId/run': rule('cron.run'),
  'POST /api/v1/services/:id/cron-jobs/:jobId/run': rule('cron.run'),
};
