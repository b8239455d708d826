/**
 * A webhook deploys the branch tip fetched when the deployment starts, and never moves a service back: a
 * tip the service already ran before its running commit (a force push back, or a replayed delivery racing
 * one) is skipped, not deployed. Rolling back on purpose is the rollback button's job.
 */
import type { RunContext } from './deploy-context.js';
import { DeployFailure } from './deploy-steps.js';
import { runningCommitIfNotNewer } from './deployments.repository.js';

/** Ends a deployment as `superseded`: what runs is already as new as what it would deploy. */
export class DeploySkipped extends DeployFailure {}

export async function refuseOlderThanRunning(ctx: RunContext, fetchedSha: string): Promise<void> {
  const { deployment } = ctx;
  if (deployment.trigger !== 'webhook' || deployment.commit) return;
  const running = await runningCommitIfNotNewer(ctx.deps.db, ctx.service.id, fetchedSha);
  if (!running || running === fetchedSha) return;
  throw new DeploySkipped(
    `Skipped: the branch tip ${fetchedSha.slice(0, 12)} is older than the running commit ${running.slice(0, 12)}; ` +
      'a webhook never moves a service back (use a rollback for that).',
  );
}
