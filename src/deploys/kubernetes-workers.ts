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
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import type { PodSummary } from '../runtime/kubernetes/client.js';
import type { DeploymentObject } from '../runtime/kubernetes/objects.js';
import { rolloutPending, type KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
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
const POLL_MS = 500;
/** A container waiting for one of these will not start by waiting longer. */
const CANNOT_START = new Set(['ErrImageNeverPull', 'InvalidImageName', 'CreateContainerConfigError']);

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
 * Waits for each worker Deployment's rollout (its new pods running through the stabilisation window). One
 * that does not finish fails the deploy in words, with the last lines of its failing pod — at once when a
 * new pod's container already exited (restarted, or waiting for an image it cannot have), as Docker's
 * worker check reads a restart count, else when the cluster says the rollout stalled or the time is up.
 */
export async function waitForWorkerRollouts(
  k8s: KubernetesScheduler,
  workers: readonly DeploymentObject[],
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + k8s.timeoutMs;
  for (const worker of workers) {
    const type = processTypeOf(worker);
    log(`Waiting for the worker process ${type} (${worker.spec.replicas} replica(s) must stay up)`);
    const why = await rolloutProblem(k8s, worker, deadline, signal);
    if (why === undefined) continue;
    const { pod, reason } = why;
    const namespace = worker.metadata.namespace ?? '';
    const exit = pod?.lastExitCode !== undefined ? ` (last exit code ${pod.lastExitCode})` : '';
    for (const line of pod ? await lastLines(k8s, namespace, pod) : []) log(`  ${type} | ${line}`);
    throw new DeployFailure(`The worker process ${type} did not stay up${exit}: ${reason}`);
  }
}

/** Undefined once the rollout is done; else why it failed, with the pod that shows it. */
async function rolloutProblem(
  k8s: KubernetesScheduler,
  worker: DeploymentObject,
  deadline: number,
  signal?: AbortSignal,
): Promise<{ reason: string; pod: PodSummary | undefined } | undefined> {
  const namespace = worker.metadata.namespace ?? '';
  const { name } = worker.metadata;
  const newPods = { ...worker.spec.selector.matchLabels, ...deploymentLabelOf(worker) };
  for (;;) {
    signal?.throwIfAborted();
    const state = await k8s.readDeployment(namespace, name);
    const pending = state ? rolloutPending(state) : 'the deployment does not exist';
    if (pending === undefined) return undefined;
    const pods = (await k8s.listPods(namespace, newPods)).filter((pod) => !pod.isTerminating);
    const crashed = pods.find((pod) => pod.restartCount > 0 || pod.phase === 'Failed');
    if (crashed) return { reason: `its container exited (${pending})`, pod: crashed };
    const stuck = pods.find((pod) => pod.waitingReason !== undefined && CANNOT_START.has(pod.waitingReason));
    if (stuck) return { reason: `its container cannot start: ${stuck.waitingReason}`, pod: undefined };
    if (state?.progressingReason === 'ProgressDeadlineExceeded')
      return { reason: `the rollout stalled (${pending})`, pod: pods.find((pod) => !pod.isReady) };
    if (Date.now() >= deadline)
      return { reason: `the rollout did not finish in time (${pending})`, pod: pods.find((pod) => !pod.isReady) };
    await sleep(POLL_MS, undefined, { signal });
  }
}

function deploymentLabelOf(worker: DeploymentObject): Record<string, string> {
  const id = worker.spec.template.metadata.labels[LABELS.deployment];
  return id ? { [LABELS.deployment]: id } : {};
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
