/**
 * `berth rollback [deployment]`: runs an earlier deployment's image again (with the variables it ran
 * with). Without an id, the one that was live before the current one. Follows it like `berth up`.
 */
import { AppError } from '../errors.js';
import { parseCommand, usageError } from './arguments.js';
import { connectLinked, type ClientContext } from './client-context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { followDeployment, reportEnd, type DeploymentView } from './follow-deployment.js';

export async function rollbackCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { positionals, values } = parseCommand('rollback', args, { detach: { type: 'boolean' } }, 1);
  const { api, link } = await connectLinked(ctx);
  let targetId = positionals[0];
  if (targetId !== undefined && !/^dep_[0-9a-z]{1,40}$/.test(targetId))
    throw usageError(`rollback: "${targetId}" is not a deployment id (dep_…)`);
  if (targetId) {
    const target = await api.get<DeploymentView>(`/deployments/${targetId}`);
    if (target.serviceId !== link.serviceId)
      throw new AppError('NOT_FOUND', `${targetId} is not a deployment of ${link.project}/${link.service}.`);
  } else {
    // Newest first: the newest deployment that was live and was replaced.
    const deployments = await api.get<DeploymentView[]>(`/services/${link.serviceId}/deployments`);
    const previous = deployments.find((d) => d.status === 'replaced');
    if (!previous) throw new AppError('NOT_FOUND', `${link.project}/${link.service} has no earlier live deployment.`);
    targetId = previous.id;
  }
  const deployment = await api.json<DeploymentView>('POST', `/deployments/${targetId}/rollback`, {});
  ctx.out.say(`Rolling back to ${targetId}: deployment ${deployment.id} queued.`);
  if (values.detach) {
    ctx.out.json({ deployment, url: deployment.url ?? null });
    return EXIT.ok;
  }
  const ended = await followDeployment(api, ctx.out, deployment);
  return reportEnd(ctx.out, ended) ? EXIT.ok : EXIT.failure;
}
