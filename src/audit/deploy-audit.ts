/**
 * Deploys in the audit log, from the event bus (src/events): when a push or a webhook started one (the
 * HTTP hook already records deploys asked for through the panel or API, with their caller), and when any
 * deployment ended. Events can repeat and arrive out of order, so each is recorded once per deployment,
 * one at a time.
 */
import type { BerthEvent } from '../events/event-bus.js';
import type { AuditLog } from './audit-log.js';
import type { AuditActor } from './audit.types.js';

/** What this needs to know of a deployment and its service (the composition root wires the deploy feature). */
export interface DeploymentFacts {
  deployment(id: string): Promise<
    | {
        id: string;
        serviceId: string;
        status: string;
        trigger: string;
        triggeredBy: string | null;
        error: string | null;
        commit: { sha: string } | null;
      }
    | undefined
  >;
  service(id: string): Promise<{ name: string; projectId: string } | undefined>;
}

const ENDED = new Set(['active', 'failed', 'cancelled', 'interrupted', 'superseded']);

function starterOf(trigger: string, triggeredBy: string | null): AuditActor | undefined {
  if (trigger === 'push') return { kind: 'git-push', email: triggeredBy };
  if (trigger === 'webhook') return { kind: 'webhook' };
  return undefined;
}

/**
 * The listener the composition root puts beside the event bus on the deploy feature's publisher (not a
 * bus subscriber: the bus's listeners are the live pages' streams, and this one lives as long as the daemon).
 */
export function deployAuditListener(audit: AuditLog, facts: DeploymentFacts): (event: BerthEvent) => void {
  let chain = Promise.resolve();
  const handle = async (event: BerthEvent) => {
    if (event.type !== 'deployment') return;
    const deployment = await facts.deployment(event.deploymentId);
    if (!deployment) return;
    const service = await facts.service(deployment.serviceId);
    const object = { type: 'deployment', id: deployment.id, name: service?.name ?? null };
    const common = { object, projectId: service?.projectId ?? null };
    const starter = starterOf(deployment.trigger, deployment.triggeredBy);
    if (starter) {
      await audit.recordOnce({
        ...common,
        actor: starter,
        action: 'deploy.start',
        outcome: 'success',
        detail: `${deployment.trigger}${deployment.commit ? ` ${deployment.commit.sha.slice(0, 12)}` : ''}`,
      });
    }
    if (ENDED.has(deployment.status)) {
      await audit.recordOnce({
        ...common,
        actor: { kind: 'system' },
        action: 'deploy.finish',
        outcome: deployment.status === 'active' ? 'success' : 'failure',
        detail: `${deployment.status}${deployment.error ? `: ${deployment.error}` : ''}`,
      });
    }
  };
  return (event) => {
    if (event.type !== 'deployment') return;
    chain = chain.then(() => handle(event)).catch(() => undefined);
  };
}
