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

/** Returns how many upstreams were routed. Throws DOCKER_UNAVAILABLE when the engine cannot be asked. */
export async function restoreRoutes(deps: DeployDeps): Promise<number> {
  const { db, runtime, router, catalog } = deps;
  let routed = 0;
  const running = (await runtime.listContainers({ 'berth.managed': 'true' })).filter(
    (c) => c.state === 'running' && c.labels['berth.role'] !== 'release',
  );
  for (const deployment of await listDeploymentsByStatus(db, ['active'])) {
    const found = await catalog.findService(deployment.serviceId);
    if (!found) continue;
    const upstreams: Upstream[] = [];
    for (const container of running.filter((c) => c.labels['berth.deployment'] === deployment.id)) {
      const details = await runtime.inspectContainer(container.id);
      const upstream =
        details?.state === 'running' &&
        upstreamOf(details, found.project.networkName, portOfContainer(details, found.service));
      if (upstream) upstreams.push(upstream);
    }
    router.setRoute(hostnamesOf({ deps, ...found }), found.service.id, upstreams);
    routed += upstreams.length;
  }
  return routed;
}
