/**
 * What the project canvas needs of every app at once: its newest deployment and the state of its active
 * release, from one query and one engine call for the whole project (a query and an engine call per
 * service made a 50-service page take over 100 ms). Crash details (exit code, last lines) stay on the
 * service page, which reads them per service (service-state.ts).
 */
import type { Db } from '../db/connection.js';
import type { Runtime } from '../runtime/runtime.js';
import { AppError } from '../errors.js';
import { LABELS, isReplicaContainer } from '../workloads/labels.js';
import type { Deployment } from './deployment.types.js';
import { newestAndActiveOf } from './deployments.repository.js';
import type { DeployDeps, ReleasePlacement } from './deploy-context.js';
import type { ServiceState } from './service-state.js';

export interface ServiceOverview {
  newest: Deployment | undefined;
  state: Pick<ServiceState, 'state' | 'activeDeploymentId' | 'running' | 'total' | 'problem'>;
}

export async function projectOverview(
  deps: { db: Db; runtime: Runtime; placement?: Pick<ReleasePlacement, 'readState'> } & Pick<DeployDeps, 'catalog'>,
  projectId: string,
  serviceIds: readonly string[],
): Promise<Map<string, ServiceOverview>> {
  const { newest, active } = await newestAndActiveOf(deps.db, serviceIds);
  let containers: Awaited<ReturnType<Runtime['listContainers']>> | undefined;
  let problem: string | null = null;
  if (active.size > 0 && !deps.placement?.readState) {
    try {
      containers = await deps.runtime.listContainers({ [LABELS.project]: projectId });
    } catch (error) {
      problem = error instanceof AppError ? error.message : 'The container engine did not answer.';
    }
  }
  const overview = new Map<string, ServiceOverview>();
  for (const serviceId of serviceIds) {
    const running = active.get(serviceId);
    const state: ServiceOverview['state'] = {
      state: 'not-deployed',
      activeDeploymentId: running?.id ?? null,
      running: 0,
      total: 0,
      problem: null,
    };
    if (running && deps.placement?.readState) {
      // On the cluster: ready pods against wanted replicas (kubernetes-state.ts), one read per app.
      try {
        const placed = await deps.placement.readState(deps, serviceId, running.id);
        Object.assign(state, { running: placed.running, total: placed.total });
        state.state = placed.crash || placed.total === 0 ? 'crashed' : 'running';
      } catch (error) {
        state.state = 'unknown';
        state.problem = error instanceof AppError ? error.message : 'The cluster did not answer.';
      }
    } else if (running && !containers) {
      state.state = 'unknown';
      state.problem = problem;
    } else if (running && containers) {
      const own = containers.filter((c) => c.labels[LABELS.deployment] === running.id && isReplicaContainer(c.labels));
      state.total = own.length;
      state.running = own.filter((c) => c.state === 'running').length;
      // No container, or one the engine keeps restarting: crashed (as service-state.ts says it).
      state.state = own.length === 0 || own.some((c) => c.state === 'restarting') ? 'crashed' : 'running';
    }
    overview.set(serviceId, { newest: newest.get(serviceId), state });
  }
  return overview;
}
