/**
 * Whether a pull-request "opened" or "updated" event deploys the preview's app again, decided from the
 * deployments that app already has. Git hosts redeliver events (a "Redeliver" button, retries after a
 * timeout) and a signed body can be re-sent under a new delivery id, so the same head commit may arrive
 * many times: it deploys once. A head commit the app runs, is deploying, or ran before the one it runs now
 * is skipped with the reason (for the delivery log); a new head commit deploys. Without a preview yet, or
 * when the payload names no full commit (Bitbucket abbreviates it), there is nothing to compare: it deploys.
 * A delivery id seen before never gets here (the delivery log answers it with its first outcome).
 */
import type { AnnouncedPullRequest } from './pull-request-events.js';

export interface KnownDeployment {
  id: string;
  status: string;
  commit: { sha: string } | null;
  createdAt: string;
}

export type RequestDeployDecision = { deploy: true } | { deploy: false; why: string };

const IN_FLIGHT = new Set(['queued', 'fetching', 'building', 'releasing', 'starting', 'healthy', 'watching']);

/** `deployments`: the preview app's (any order), or undefined when the branch has no preview yet. */
export function decideRequestDeploy(
  request: Pick<AnnouncedPullRequest, 'sha'>,
  deployments: readonly KnownDeployment[] | undefined,
): RequestDeployDecision {
  const sha = request.sha;
  if (!deployments || !sha) return { deploy: true };
  const short = sha.slice(0, 12);
  const active = deployments.find((d) => d.status === 'active');
  if (active?.commit?.sha === sha)
    return { deploy: false, why: `${short} is already running (deployment ${active.id})` };
  const pending = deployments.find((d) => IN_FLIGHT.has(d.status) && d.commit?.sha === sha);
  if (pending) return { deploy: false, why: `${short} is being deployed already (deployment ${pending.id})` };
  const earlier =
    active &&
    deployments.find((d) => d.status === 'replaced' && d.commit?.sha === sha && d.createdAt < active.createdAt);
  if (earlier && active) {
    return {
      deploy: false,
      why: `${short} is older than the running ${active.commit?.sha.slice(0, 12) ?? 'version'} (a preview never moves back on a webhook)`,
    };
  }
  return { deploy: true };
}
