/**
 * Worker processes on the kubernetes scheduler (Procfile types beyond `web`; the objects come from
 * src/workloads/kubernetes-worker-spec.ts). The placement (kubernetes-placement.ts) applies a release's
 * worker Deployments with its web Deployment and waits for their rollouts before the deploy counts as
 * healthy: a worker that does not stay up through the stabilisation window fails the deploy, and every
 * Deployment goes back to the template that ran before (the old workers never stopped: a rolling update
 * keeps them until their replacements are available). After the switch, the Deployments of process types
 * the new release no longer has are deleted. The workers API scales a type through the Deployment's scale
 * subresource (no rollout) and reads its pods.
 */
import { AppError } from '../errors.js';
import type { PodSummary } from '../runtime/kubernetes/client.js';
import type { DeploymentObject } from '../runtime/kubernetes/objects.js';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { APP_CONTAINER_NAME, projectNamespaceName } from '../workloads/kubernetes-names.js';
import type { RolloutTiming } from '../workloads/kubernetes-spec.js';
import {
  workerDeploymentName,
  workerDeploymentObjects,
  workerDeploymentSelector,
  type KubernetesWorkerWorkload,
} from '../workloads/kubernetes-worker-spec.js';
import { LABELS } from '../workloads/labels.js';
import type { DeployDeps, PlacedWorkers } from './deploy-context.js';
import { DeployFailure } from './deploy-steps.js';
import { isCrashLooping } from './kubernetes-state.js';
import { processTypesOfDeployment } from './worker-processes.repository.js';
import { plannedReplicas, processArgv } from './worker-set.js';

const FAILURE_LOG_LINES = 10;

/** The worker Deployments of a deployment's release, with the replica counts chosen for the service. */
export async function releaseWorkerObjects(
  deps: Pick<DeployDeps, 'db'>,
  workload: KubernetesWorkerWorkload,
  timing: Pick<RolloutTiming, 'minReadySeconds'>,
): Promise<DeploymentObject[]> {
  const types = await processTypesOfDeployment(deps.db, workload.deploymentId);
  const replicas = await plannedReplicas(deps, workload.service.id, types);
  const names = new Map<string, string>();
  for (const type of Object.keys(types)) {
    const name = workerDeploymentName(workload.service.name, type);
    const other = names.get(name);
    if (other !== undefined)
      throw new DeployFailure(
        `The process types ${other} and ${type} would share the Deployment ${name} on the cluster: rename one.`,
      );
    names.set(name, type);
  }
  const processes = Object.entries(types).map(([type, command]) => ({
    type,
    argv: processArgv(type, command),
    replicas: replicas.get(type) ?? 0,
  }));
  return workerDeploymentObjects(workload, processes, timing);
}

/** The process type a worker Deployment runs. */
export function processTypeOf(object: DeploymentObject): string {
  return object.metadata.labels?.[LABELS.process] ?? object.metadata.name;
}

/**
 * Waits for each worker Deployment's rollout; one that does not finish fails the deploy in words, with
 * the last lines of its newest pod (why it did not stay up).
 */
export async function waitForWorkerRollouts(
  k8s: KubernetesScheduler,
  workers: readonly DeploymentObject[],
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (const worker of workers) {
    const namespace = worker.metadata.namespace ?? '';
    const type = processTypeOf(worker);
    const replicas = worker.spec.replicas;
    log(`Waiting for the worker process ${type} (${replicas} replica(s) must stay up)`);
    try {
      await k8s.waitForRollout(namespace, worker.metadata.name, signal);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'KUBERNETES_ROLLOUT_TIMEOUT') throw error;
      const pods = await k8s.listPods(namespace, worker.spec.selector.matchLabels).catch(() => []);
      const failing = pods.find((pod) => isCrashLooping(pod)) ?? pods.find((pod) => !pod.isReady);
      const exit = failing?.lastExitCode !== undefined ? ` (last exit code ${failing.lastExitCode})` : '';
      for (const line of failing ? await lastLines(k8s, namespace, failing) : []) log(`  ${type} | ${line}`);
      throw new DeployFailure(`The worker process ${type} did not stay up${exit}: ${error.message}`);
    }
  }
}

/** Deletes the service's worker Deployments not named in `keep` (types gone from the release); their names. */
export async function removeOtherWorkers(
  k8s: KubernetesScheduler,
  namespace: string,
  serviceId: string,
  keep: readonly string[],
): Promise<string[]> {
  const gone = (await k8s.listDeployments(namespace, workerDeploymentSelector(serviceId)))
    .map((d) => d.name)
    .filter((name) => !keep.includes(name));
  for (const name of gone) await k8s.deleteDeployment(namespace, name);
  return gone;
}

export interface WorkerPodCounts {
  running: number;
  isCrashing: boolean;
}

/** Per process type: the deployment's worker pods that run (ready), and whether one is crash-looping. */
export async function workerPodCounts(
  k8s: KubernetesScheduler,
  namespace: string,
  serviceId: string,
  deploymentId: string,
): Promise<Map<string, WorkerPodCounts>> {
  const pods = (
    await k8s.listPods(namespace, { [LABELS.workerOf]: serviceId, [LABELS.deployment]: deploymentId })
  ).filter((pod) => !pod.isTerminating);
  const counts = new Map<string, WorkerPodCounts>();
  for (const pod of pods) {
    const type = pod.labels[LABELS.process] ?? '';
    const count = counts.get(type) ?? { running: 0, isCrashing: false };
    if (pod.isReady) count.running += 1;
    if (isCrashLooping(pod)) count.isCrashing = true;
    counts.set(type, count);
  }
  return counts;
}

/** Sets a process type's replicas (its Deployment's scale; no new pods for the others). */
export async function scaleWorker(
  k8s: KubernetesScheduler,
  namespace: string,
  serviceName: string,
  processType: string,
  replicas: number,
): Promise<void> {
  const name = workerDeploymentName(serviceName, processType);
  if (!(await k8s.scaleDeployment(namespace, name, replicas)))
    throw new AppError('CONFLICT', `The worker Deployment ${name} is not on the cluster: deploy the service again.`);
}

/**
 * The workers API's view on the cluster: a new replica count scales the type's Deployment (and the template
 * a later failed deploy goes back to, `lastGood`), the counts come from the pods.
 */
export function placedWorkers(k8s: KubernetesScheduler, lastGood: Map<string, DeploymentObject[]>): PlacedWorkers {
  return {
    scale: async (deps, serviceId, processType, replicas) => {
      const found = await deps.catalog.findService(serviceId);
      if (!found) return;
      await scaleWorker(k8s, projectNamespaceName(found.project.id), found.service.name, processType, replicas);
      for (const worker of lastGood.get(serviceId) ?? [])
        if (processTypeOf(worker) === processType) worker.spec.replicas = replicas;
    },
    counts: async (deps, serviceId, deploymentId) => {
      const found = await deps.catalog.findService(serviceId);
      if (!found) return new Map();
      return workerPodCounts(k8s, projectNamespaceName(found.project.id), serviceId, deploymentId);
    },
  };
}

async function lastLines(k8s: KubernetesScheduler, namespace: string, pod: PodSummary): Promise<string[]> {
  const request = { container: APP_CONTAINER_NAME, tailLines: FAILURE_LOG_LINES };
  const text = await k8s
    .podLog(namespace, pod.name, { ...request, previous: pod.restartCount > 0 })
    .catch(() => k8s.podLog(namespace, pod.name, request))
    .catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}
