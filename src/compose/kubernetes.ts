/**
 * The kubernetes scheduler's parts (BERTH_SCHEDULER=kubernetes): the cluster client from BERTH_KUBECONFIG
 * (or in-cluster credentials), the scheduler with the rollout limit, the endpoint follower on the same
 * router the deploys switch through, and the placement the deploy pipeline runs releases with. Docker
 * (the default) needs none of it: undefined.
 */
import type { Config } from '../config.js';
import { EndpointFollower } from '../deploys/endpoint-follower.js';
import { KubernetesPlacement } from '../deploys/kubernetes-placement.js';
import type { Router } from '../deploys/ports.js';
import type { Logger } from '../logger.js';
import { createKubernetesClient } from '../runtime/kubernetes/client.js';
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
