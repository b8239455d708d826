/**
 * The routes of the active deployments, rebuilt from the database and the engine before the proxy
 * accepts a connection: a known app must never answer "404 No application is served at this address"
 * while the daemon starts. Recovery (recovery.ts) sets the same routes again after its clean-up, which can
 * take seconds (stopping stale containers) and so must not run before the proxy listens.
 */
import type { DeployDeps } from './deploy-context.js';
import { portOfContainer } from './app-port.js';
import { hostnamesOf, upstreamOf } from './deploy-steps.js';
import { listDeploymentsByStatus } from './deployments.repository.js';
import type { Upstream } from './ports.js';
import type { Deployment } from './deployment.types.js';
import type { ContainerSummary } from '../runtime/runtime.js';
import { LABELS, isReplicaContainer, managedLabels } from '../workloads/labels.js';

/** Returns how many upstreams were routed. Throws DOCKER_UNAVAILABLE when the engine cannot be asked. */
export async function restoreRoutes(deps: DeployDeps): Promise<number> {
  const containers = await deps.runtime.listContainers(managedLabels());
  return routeActiveDeployments(deps, await listDeploymentsByStatus(deps.db, ['active']), containers);
}

/**
 * Points each active deployment's route at its running containers among `containers` (release and
 * worker containers never serve). Returns how many upstreams were routed; `onEmpty` hears of a service left without one.
 */
export async function routeActiveDeployments(
  deps: DeployDeps,
  active: readonly Deployment[],
  containers: readonly ContainerSummary[],
  onEmpty: (serviceId: string) => void = () => undefined,
): Promise<number> {
  const { runtime, router, catalog } = deps;
  const running = containers.filter((c) => c.state === 'running' && isReplicaContainer(c.labels));
  let routed = 0;
  for (const deployment of active) {
    const found = await catalog.findService(deployment.serviceId);
    if (!found) continue;
    const upstreams: Upstream[] = [];
    for (const container of running.filter((c) => c.labels[LABELS.deployment] === deployment.id)) {
      const details = await runtime.inspectContainer(container.id);
      const upstream =
        details?.state === 'running' &&
        upstreamOf(details, found.project.networkName, portOfContainer(details, found.service));
      if (upstream) upstreams.push(upstream);
    }
    router.setRoute(hostnamesOf({ deps, ...found }), found.service.id, upstreams);
    routed += upstreams.length;
    if (upstreams.length === 0) onEmpty(found.service.id);
  }
  return routed;
}
