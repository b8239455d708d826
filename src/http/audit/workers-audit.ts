/**
 * How worker replica changes are audited: the object is the service (the route's `:id`), its state the
 * replica count of each process type of the active release, so the diff says which type changed and how.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readProcessesOf: AuditLookup<Found> = async (ctx: AppContext, serviceId: string) => {
  try {
    const service = await ctx.projects.getService(serviceId);
    const { processes } = await ctx.workers.list(serviceId);
    const replicas = Object.fromEntries(processes.map((p) => [p.type, p.replicas]));
    return { id: service.id, name: service.name, projectId: service.projectId, state: { processes: replicas } };
  } catch {
    return undefined;
  }
};

/** An AuditRule (audit-actions.ts spreads these in; typed here by shape to keep imports one-way). */
interface WorkersAuditRule {
  action: string;
  objectType: string;
  read: AuditLookup<Found>;
}

const scale: WorkersAuditRule = { action: 'service.processes.scale', objectType: 'service', read: readProcessesOf };

/** Panel forms and API routes of worker processes → audit actions. */
export const WORKERS_AUDIT_RULES: Record<string, WorkersAuditRule> = {
  'POST /services/:id/processes/:type': scale,
  'PATCH /api/v1/services/:id/processes/:type': scale,
};
