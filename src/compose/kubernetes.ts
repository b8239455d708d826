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
