/**
 * The variables Secrets of a service's old deployments go, by Docker's image retention rule
 * (image-retention.ts): the Secrets of the newest DEFAULT_IMAGES_KEPT successful deployments stay — the
 * ReplicaSets the Deployment keeps for a rollout undo, and the template a failed rollout goes back to,
 * refer to them — and every other one of the service (older ones, failed and cancelled deployments') is
 * deleted. Run after each switch; a failure is logged, never fails the deploy that already serves.
 */
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { deploymentSecretName, projectNamespaceName } from '../workloads/kubernetes-names.js';
import { serviceSelector } from '../workloads/labels.js';
import type { RunContext } from './deploy-context.js';
import { listDeploymentsWithImages } from './deployments.repository.js';
import { DEFAULT_IMAGES_KEPT } from './image-retention.js';

export async function pruneDeploymentSecrets(ctx: RunContext, k8s: KubernetesScheduler): Promise<string[]> {
  const namespace = projectNamespaceName(ctx.project.id);
  const kept = new Set(
    (await listDeploymentsWithImages(ctx.deps.db, ctx.service.id))
      .slice(0, DEFAULT_IMAGES_KEPT)
      .map((deployment) => deploymentSecretName(ctx.service.name, deployment.id)),
  );
  kept.add(deploymentSecretName(ctx.service.name, ctx.deployment.id));
  const removed: string[] = [];
  for (const name of await k8s.listSecretNames(namespace, serviceSelector(ctx.service.id))) {
    if (kept.has(name)) continue;
    await k8s.deleteSecret(namespace, name);
    removed.push(name);
  }
  return removed;
}
