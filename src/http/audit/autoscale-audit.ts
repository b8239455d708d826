/**
 * How autoscaling policy changes are audited: the object is the service (the route's `:id`), its state the
 * policy (or none), so the diff shows what changed.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readPolicyOf: AuditLookup<Found> = async (ctx: AppContext, serviceId: string) => {
  try {
    const service = await ctx.projects.getService(serviceId);
    const policy = await ctx.autoscale.get(serviceId);
    const state = policy
      ? {
          enabled: policy.enabled,
          minReplicas: policy.minReplicas,
          maxReplicas: policy.maxReplicas,
          metric: policy.metric,
          target: policy.target,
          cooldownSeconds: policy.cooldownSeconds,
        }
      : { autoscaling: 'off' };
    return { id: service.id, name: service.name, projectId: service.projectId, state };
  } catch {
    return undefined;
  }
};

interface AutoscaleAuditRule {
  action: string;
  objectType: string;
  read: AuditLookup<Found>;
}

const set: AutoscaleAuditRule = { action: 'service.autoscaling.update', objectType: 'service', read: readPolicyOf };
const remove: AutoscaleAuditRule = { action: 'service.autoscaling.delete', objectType: 'service', read: readPolicyOf };

/** Panel forms and API routes of autoscaling → audit actions. */
export const AUTOSCALE_AUDIT_RULES: Record<string, AutoscaleAuditRule> = {
  'POST /services/:id/autoscaling': set,
  'PUT /api/v1/services/:id/autoscaling': set,
  'POST /services/:id/autoscaling/delete': remove,
  'DELETE /api/v1/services/:id/autoscaling': remove,
};
