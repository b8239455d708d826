/**
 * At start the daemon may find the world as a dead predecessor left it. Deployments it was running become
 * interrupted and their containers go; running containers of active deployments are adopted and routed
 * again; containers of deployments that are no longer live are removed; queued deployments resume.
 */
import type { DeployDeps } from './deploy-context.js';
import type { DeployQueue } from './deploy-queue.js';
import { hostnamesOf, removeContainers, upstreamOf } from './deploy-steps.js';
import { listDeploymentsByStatus, markRunningAsInterrupted } from './deployments.repository.js';
import type { Upstream } from './ports.js';

export async function recoverDeployments(
  deps: DeployDeps,
  queue: DeployQueue,
): Promise<{ adopted: number; removed: number }> {
  const { db, runtime, router, logger } = deps;
  const interrupted = await markRunningAsInterrupted(db);
  if (interrupted.length > 0)
    logger.warn({ deployments: interrupted.map((d) => d.id) }, 'marked interrupted deployments');

  const active = await listDeploymentsByStatus(db, ['active']);
  const activeIds = new Set(active.map((d) => d.id));
  const managed = await runtime.listContainers({ 'berth.managed': 'true' });
  const stale = managed.filter((c) => c.labels['berth.deployment'] && !activeIds.has(c.labels['berth.deployment']));
  await removeContainers(
    { deps },
    stale.map((c) => c.id),
  );

  let adopted = 0;
  for (const deployment of active) {
    const found = await deps.catalog.findService(deployment.serviceId);
    if (!found) continue;
    const upstreams: Upstream[] = [];
    for (const container of managed.filter((c) => c.labels['berth.deployment'] === deployment.id)) {
      const details = await runtime.inspectContainer(container.id);
      const upstream =
        details?.state === 'running' && upstreamOf(details, found.project.networkName, found.service.port);
      if (upstream) upstreams.push(upstream);
    }
    router.setRoute(hostnamesOf({ deps, ...found }), found.service.id, upstreams);
    adopted += upstreams.length;
    if (upstreams.length === 0)
      logger.warn({ serviceId: found.service.id }, 'active deployment has no running container');
  }

  for (const queued of await listDeploymentsByStatus(db, ['queued'])) await queue.enqueue(queued.serviceId, queued.id);
  return { adopted, removed: stale.length };
}
