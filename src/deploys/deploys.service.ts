/** Rules for starting, cancelling and rolling back deployments; the HTTP layer calls only these. */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { DeployQueue } from './deploy-queue.js';
import type { BuiltFrom, Deployment, DeploymentTrigger } from './deployment.types.js';
import { findActiveDeployment, findDeployment, insertDeployment, sealedVariablesOf } from './deployments.repository.js';

export async function requestDeployment(
  db: Db,
  queue: DeployQueue,
  input: {
    /** Given when the deployment's working copy was made before it was queued (an upload). */
    id?: string;
    serviceId: string;
    trigger: DeploymentTrigger;
    triggeredBy: string | null;
    builtFrom?: BuiltFrom;
    commit?: { sha: string; message?: string | null; author?: string | null };
  },
): Promise<Deployment> {
  const deployment = await insertDeployment(db, {
    id: input.id ?? newId('dep'),
    service_id: input.serviceId,
    trigger: input.trigger,
    triggered_by: input.triggeredBy,
    image: null,
    rollback_of: null,
    built_from: input.builtFrom ?? null,
    commit_sha: input.commit?.sha ?? null,
    commit_message: input.commit?.message ?? null,
    commit_author: input.commit?.author ?? null,
  });
  await queue.enqueue(input.serviceId, deployment.id);
  return (await findDeployment(db, deployment.id))!;
}

/**
 * A new deployment that runs the image of an earlier successful one (no fetch, no build), with the
 * variables that one ran with, unless `keepCurrentVariables` (then today's variables, resolved when it runs).
 */
export async function requestRollback(
  db: Db,
  queue: DeployQueue,
  targetId: string,
  triggeredBy: string | null,
  options: { keepCurrentVariables?: boolean } = {},
): Promise<Deployment> {
  const target = await findDeployment(db, targetId);
  if (!target) throw new AppError('NOT_FOUND', `No deployment ${targetId}.`);
  if (!target.image || !['active', 'replaced'].includes(target.status)) {
    throw new AppError('CONFLICT', 'Only a deployment that went live can be rolled back to.');
  }
  const deployment = await insertDeployment(db, {
    id: newId('dep'),
    service_id: target.serviceId,
    trigger: 'rollback',
    triggered_by: triggeredBy,
    image: target.image,
    rollback_of: target.id,
    commit_sha: target.commit?.sha ?? null,
    commit_message: target.commit?.message ?? null,
    commit_author: target.commit?.author ?? null,
    variables_encrypted: options.keepCurrentVariables ? null : await sealedVariablesOf(db, target.id),
  });
  await queue.enqueue(target.serviceId, deployment.id);
  return (await findDeployment(db, deployment.id))!;
}

/**
 * The autoscaler's change: a new deployment of the active one's image and variables (no fetch, no build)
 * that starts the service's current replica count — the usual health-gated, zero-downtime switch.
 * CONFLICT when nothing is active.
 */
export async function requestScaledRedeploy(db: Db, queue: DeployQueue, serviceId: string): Promise<Deployment> {
  const active = await findActiveDeployment(db, serviceId);
  if (!active?.image) throw new AppError('CONFLICT', 'The service has no active deployment to scale.');
  const deployment = await insertDeployment(db, {
    id: newId('dep'),
    service_id: serviceId,
    trigger: 'autoscale',
    triggered_by: null,
    image: active.image,
    rollback_of: active.id,
    commit_sha: active.commit?.sha ?? null,
    commit_message: active.commit?.message ?? null,
    commit_author: active.commit?.author ?? null,
    variables_encrypted: await sealedVariablesOf(db, active.id),
  });
  await queue.enqueue(serviceId, deployment.id);
  return (await findDeployment(db, deployment.id))!;
}

export async function cancelDeployment(db: Db, queue: DeployQueue, id: string): Promise<Deployment> {
  const deployment = await findDeployment(db, id);
  if (!deployment) throw new AppError('NOT_FOUND', `No deployment ${id}.`);
  if (!(await queue.cancel(id)))
    throw new AppError('CONFLICT', `Deployment ${id} has already ended (${deployment.status}).`);
  return (await findDeployment(db, id))!;
}
