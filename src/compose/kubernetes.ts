/**
 * The kubernetes scheduler's parts (BERTH_SCHEDULER=kubernetes): the cluster client from BERTH_KUBECONFIG
 * (or in-cluster credentials), the scheduler with the rollout limit, the endpoint follower on the same
 * router the deploys switch through, and the placement the deploy pipeline runs releases with. Docker
 * (the default) needs none of it: undefined.
 */
import type { Config } from '../config.js';
import { KubernetesDatabases } from '../databases/kubernetes-databases.js';
import { EndpointFollower } from '../deploys/endpoint-follower.js';
import { KubernetesPlacement } from '../deploys/kubernetes-placement.js';
import type { Router } from '../deploys/ports.js';
import type { Logger } from '../logger.js';
import { createKubernetesClient } from '../runtime/kubernetes/client.js';
import { createStatefulClient } from '../runtime/kubernetes/client-stateful.js';
import { PodExec } from '../runtime/kubernetes/pod-exec.js';
import { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { rolloutTimingOf } from '../workloads/kubernetes-spec.js';
import type { CronCluster } from '../cron/cron-runner-kubernetes.js';
import type { DeployDeps } from '../deploys/deploy-context.js';
import { findActiveDeployment } from '../deploys/deployments.repository.js';
import { isInRegistry } from '../deploys/kubernetes-registry.js';
import { REGISTRY_PULL_SECRET } from '../workloads/kubernetes-pull-secret.js';

export function composeKubernetesPlacement(
  config: Config,
  router: Router,
  logger: Logger,
  installId: string | undefined,
): KubernetesPlacement | undefined {
  if (config.scheduler !== 'kubernetes') return undefined;
  const scheduler = new KubernetesScheduler(createKubernetesClient(config.kubernetes.kubeconfig), {
    rolloutTimeoutMs: config.kubernetes.rolloutTimeoutMs,
    installId,
  });
  const follower = new EndpointFollower(scheduler, router, logger.child({ component: 'kubernetes-routes' }));
  return new KubernetesPlacement(scheduler, follower, rolloutTimingOf(config));
}

/** One per configuration: the deploys' references and the databases feature share it. */
const databasesOf = new WeakMap<Config, KubernetesDatabases>();

/** Managed databases on the cluster (BERTH_SCHEDULER=kubernetes); undefined on Docker. */
export function composeKubernetesDatabases(
  config: Config,
  installId: string | undefined,
): KubernetesDatabases | undefined {
  if (config.scheduler !== 'kubernetes') return undefined;
  let databases = databasesOf.get(config);
  if (!databases) {
    const client = createKubernetesClient(config.kubernetes.kubeconfig);
    const scheduler = new KubernetesScheduler(client, {
      rolloutTimeoutMs: config.kubernetes.rolloutTimeoutMs,
      installId,
    });
    const stateful = createStatefulClient(config.kubernetes.kubeconfig);
    databases = new KubernetesDatabases({
      apply: (objects) => scheduler.apply(objects),
      client: stateful,
      exec: new PodExec(stateful),
      listStorageClasses: () => client.listStorageClasses(),
      storage: config.kubernetesStorage,
    });
    databasesOf.set(config, databases);
  }
  return databases;
}

/**
 * Cron runs as Jobs on the cluster (src/cron/cron-runner-kubernetes.ts), through the deploys' scheduler:
 * the service's active release, its image pulled as its pods pull it. Undefined on Docker.
 */
export function composeKubernetesCron(
  config: Config,
  deps: Pick<DeployDeps, 'placement' | 'catalog' | 'db'>,
): CronCluster | undefined {
  if (config.scheduler !== 'kubernetes' || !(deps.placement instanceof KubernetesPlacement)) return undefined;
  const registry = config.imageRegistry;
  return {
    k8s: deps.placement.k8s,
    targetOf: async (serviceId) => {
      const found = await deps.catalog.findService(serviceId);
      const active = found && (await findActiveDeployment(deps.db, serviceId));
      if (!found || !active?.image) return undefined;
      const inRegistry = isInRegistry(registry?.prefix, active.image);
      const needsCredentials = inRegistry && Boolean(registry?.username) && registry?.password !== undefined;
      return {
        project: found.project,
        service: found.service,
        deploymentId: active.id,
        image: active.image,
        imagePullPolicy: inRegistry ? 'IfNotPresent' : 'Never',
        ...(needsCredentials ? { pullSecretName: REGISTRY_PULL_SECRET } : {}),
      };
    },
  };
}
