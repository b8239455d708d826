/**
 * Runs Berth's Kubernetes objects on a cluster: server-side apply (Berth owns the fields it sets, so a
 * re-apply of the same objects changes nothing), a bounded wait for a Deployment's rollout, the ready
 * endpoints of a Service (where Berth's proxy sends traffic), pod logs, and deleting a project's namespace
 * (the undo of everything applied into it). The objects come ready-made from src/workloads; this file
 * never builds one. Failures are AppErrors: KUBERNETES_UNAVAILABLE / KUBERNETES_ERROR from the client,
 * KUBERNETES_ROLLOUT_TIMEOUT when a rollout does not finish in time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import { withInstallLabel } from '../runtime.js';
import type {
  DeploymentState,
  DeploymentSummary,
  EndpointAddress,
  FollowRequest,
  JobState,
  KubernetesClient,
  LogRequest,
  PodSummary,
} from './client.js';
import { installLabelValue } from './label-value.js';
import type { KubeObject } from './objects.js';

export interface KubernetesSchedulerOptions {
  /** The longest a rollout may take (BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS). */
  rolloutTimeoutMs: number;
  /** Stamped as berth.install on every object applied, as the Docker runtime does. */
  installId?: string;
  /** How often rollout and deletion progress is read. */
  pollMs?: number;
}

/** A container that waits for one of these will not start by waiting longer: the run fails at once. */
const HOPELESS_WAITS = new Set([
  'ErrImageNeverPull',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

export interface PodLog {
  pod: string;
  text: string;
}

/** Why a rollout is not done yet, in words; undefined once every wanted pod runs the new template. */
export function rolloutPending(state: DeploymentState): string | undefined {
  if (state.observedGeneration < state.generation) return 'the controller has not seen the new template yet';
  if (state.updatedReplicas < state.replicas)
    return `${state.updatedReplicas} of ${state.replicas} pods run the new template`;
  if (state.statusReplicas > state.updatedReplicas)
    return `${state.statusReplicas - state.updatedReplicas} pods of the previous template still run`;
  if (state.availableReplicas < state.updatedReplicas)
    return `${state.availableReplicas} of ${state.updatedReplicas} new pods are available`;
  return undefined;
}

const selectorOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

export class KubernetesScheduler {
  private readonly pollMs: number;

  constructor(
    private readonly client: KubernetesClient,
    private readonly options: KubernetesSchedulerOptions,
  ) {
    this.pollMs = options.pollMs ?? 500;
  }

  /** The longest a rollout (and a release Job) may take. */
  get timeoutMs(): number {
    return this.options.rolloutTimeoutMs;
  }

  /** The API server's version; throws KUBERNETES_UNAVAILABLE when it cannot be reached. */
  version(): Promise<string> {
    return this.client.version();
  }

  /** Applies the objects in order (a namespace before what goes into it). */
  async apply(objects: readonly KubeObject[]): Promise<void> {
    for (const object of objects) {
      const { installId } = this.options;
      const labels = withInstallLabel(
        object.metadata.labels ?? {},
        installId === undefined ? undefined : installLabelValue(installId),
      );
      await this.client.apply({ ...object, metadata: { ...object.metadata, labels } });
    }
  }

  /**
   * Waits until every wanted pod of the Deployment runs its current template and is available, and no pod
   * of a previous template is left. Throws KUBERNETES_ROLLOUT_TIMEOUT after the rollout time limit, or as
   * soon as the cluster itself says the rollout stalled (its progress deadline passed).
   */
  async waitForRollout(namespace: string, name: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.options.rolloutTimeoutMs;
    let pending = 'the deployment does not exist';
    for (;;) {
      signal?.throwIfAborted();
      const state = await this.client.readDeployment(namespace, name);
      if (state) {
        const why = rolloutPending(state);
        if (why === undefined) return;
        pending = why;
        if (state.progressingReason === 'ProgressDeadlineExceeded')
          throw new AppError(
            'KUBERNETES_ROLLOUT_TIMEOUT',
            `the rollout of ${namespace}/${name} stalled: no progress within its deadline (${pending})`,
          );
      }
      if (Date.now() >= deadline)
        throw new AppError(
          'KUBERNETES_ROLLOUT_TIMEOUT',
          `the rollout of ${namespace}/${name} did not finish within ${Math.round(this.options.rolloutTimeoutMs / 1000)} s (${pending})`,
        );
      await sleep(this.pollMs, undefined, { signal });
    }
  }

  /** Where a Service's ready pods listen (empty while none is ready; also empty for a missing Service). */
  async readyEndpoints(namespace: string, service: string, portName: string): Promise<EndpointAddress[]> {
    return (await this.client.readyEndpoints(namespace, service, portName)) ?? [];
  }

  listPods(namespace: string, labels: Record<string, string>): Promise<PodSummary[]> {
    return this.client.listPods(namespace, selectorOf(labels));
  }

  /**
   * The log of one container of each pod the labels select, pods by name. Pods not started yet and pods
   * on their way out are left out: their container has no log to read (dockershim removes a stopped pod's
   * container before the API forgets the pod).
   */
  async podLogs(
    namespace: string,
    labels: Record<string, string>,
    options: { container: string; tailLines?: number; timestamps?: boolean },
  ): Promise<PodLog[]> {
    const pods = (await this.listPods(namespace, labels)).sort((a, b) => a.name.localeCompare(b.name));
    const logs: PodLog[] = [];
    for (const pod of pods) {
      if (pod.phase === 'Pending' || pod.isTerminating) continue;
      logs.push({ pod: pod.name, text: await this.client.podLog(namespace, pod.name, options) });
    }
    return logs;
  }

  /**
   * Deletes one app (its Deployment, Service, and the Secrets and worker Deployments the labels select) and
   * waits, bounded, until its pods are gone (those the labels select, and those `otherPods` selects: its
   * workers'). Nothing to delete is not an error.
   */
  async deleteApp(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    otherPods: Record<string, string>[] = [],
  ): Promise<void> {
    if (!(await this.client.hasNamespace(namespace))) return;
    await this.client.deleteApp(namespace, name, selectorOf(labels));
    const deadline = Date.now() + this.options.rolloutTimeoutMs;
    const podsLeft = async () => {
      for (const selector of [labels, ...otherPods])
        if ((await this.listPods(namespace, selector)).length > 0) return true;
      return false;
    };
    while (await podsLeft()) {
      if (Date.now() >= deadline)
        throw new AppError('KUBERNETES_ERROR', `the pods of ${namespace}/${name} were still stopping`);
      await sleep(this.pollMs);
    }
  }

  /**
   * Deletes a namespace and everything in it, and waits (bounded by the rollout limit) until the API no
   * longer has it, so a project created again with the same id never meets a terminating namespace.
   * The app workloads go first and the namespace once their pods are gone: the namespace controller
   * retries with a growing back-off while pods remain, which made a plain namespace delete take a minute
   * on the test node. Deleting a namespace that does not exist is not an error.
   */
  async deleteNamespace(name: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.options.rolloutTimeoutMs;
    const waitUntil = async (isDone: () => Promise<boolean>, what: string) => {
      while (!(await isDone())) {
        if (Date.now() >= deadline)
          throw new AppError(
            'KUBERNETES_ERROR',
            `namespace ${name}: ${what} after ${Math.round(this.options.rolloutTimeoutMs / 1000)} s`,
          );
        await sleep(this.pollMs, undefined, { signal });
      }
    };
    if (!(await this.client.hasNamespace(name))) return;
    await this.client.deleteAppWorkloads(name);
    await waitUntil(async () => (await this.client.listPods(name, '')).length === 0, 'pods were still stopping');
    await this.client.deleteNamespace(name);
    await waitUntil(async () => !(await this.client.hasNamespace(name)), 'it was still terminating');
  }

  /**
   * Waits until a Job (backoffLimit 0: one pod) is done, passing its pod's log on line by line as it is
   * written. Resolves with the Job's final state; throws KUBERNETES_ROLLOUT_TIMEOUT after `timeoutMs`, and
   * KUBERNETES_ERROR when its container cannot start (its image cannot be had, its Secret is missing).
   */
  async runJob(
    namespace: string,
    name: string,
    podLabels: Record<string, string>,
    options: { container: string; timeoutMs: number; signal?: AbortSignal },
    onLine: (line: string) => void,
  ): Promise<JobState> {
    const { signal } = options;
    const deadline = Date.now() + options.timeoutMs;
    let followed: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const state = await this.client.readJob(namespace, name);
      if (!state) throw new AppError('KUBERNETES_ERROR', `job ${namespace}/${name} disappeared`);
      if (state.succeeded > 0 || state.failed > 0 || state.failure !== undefined) {
        // Done before its log was seen (a quick command): read it now, before the Job and its pod go.
        if (followed === undefined) await this.followFirstPod(namespace, podLabels, options, onLine);
        return state;
      }
      const pod = (await this.listPods(namespace, podLabels))[0];
      if (pod?.waitingReason && HOPELESS_WAITS.has(pod.waitingReason))
        throw new AppError('KUBERNETES_ERROR', `job ${namespace}/${name} cannot start: ${pod.waitingReason}`);
      if (pod && followed === undefined && pod.phase !== 'Pending') {
        followed = pod.name;
        await this.followLog(namespace, pod.name, { container: options.container }, onLine, signal, deadline);
        continue;
      }
      if (Date.now() >= deadline)
        throw new AppError(
          'KUBERNETES_ROLLOUT_TIMEOUT',
          `job ${namespace}/${name} did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
        );
      await sleep(this.pollMs, undefined, { signal });
    }
  }

  deleteJob(namespace: string, name: string): Promise<void> {
    return this.client.deleteJob(namespace, name);
  }

  /**
   * Follows one container's log until it stops, the pod goes, the signal aborts or the deadline passes
   * (then the request is ended). Lines are passed on one at a time.
   */
  async followLog(
    namespace: string,
    pod: string,
    request: FollowRequest,
    onLine: (line: string) => void,
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<void> {
    const bounded =
      deadline === undefined
        ? signal
        : AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(Math.max(0, deadline - Date.now()))]);
    await this.client.followPodLog(namespace, pod, request, onLine, bounded);
  }

  listDeployments(namespace: string, labels: Record<string, string>): Promise<DeploymentSummary[]> {
    return this.client.listDeployments(namespace, selectorOf(labels));
  }

  deleteDeployment(namespace: string, name: string): Promise<void> {
    return this.client.deleteDeployment(namespace, name);
  }

  /** Sets a Deployment's replicas without a new template (no rollout); false when it does not exist. */
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<boolean> {
    return this.client.scaleDeployment(namespace, name, replicas);
  }

  /** Deletes the Jobs the labels select, in every namespace (a cron job's runs: src/cron). */
  deleteJobsByLabel(labels: Record<string, string>): Promise<number> {
    return this.client.deleteJobsByLabel(selectorOf(labels));
  }

  readDeployment(namespace: string, name: string): Promise<DeploymentState | undefined> {
    return this.client.readDeployment(namespace, name);
  }

  /** One container's log (a snapshot; `previous`: the instance that died before this one). */
  podLog(namespace: string, pod: string, request: LogRequest): Promise<string> {
    return this.client.podLog(namespace, pod, request);
  }

  /** The names of the Secrets the labels select. */
  listSecretNames(namespace: string, labels: Record<string, string>): Promise<string[]> {
    return this.client.listSecretNames(namespace, selectorOf(labels));
  }

  deleteSecret(namespace: string, name: string): Promise<void> {
    return this.client.deleteSecret(namespace, name);
  }

  private async followFirstPod(
    namespace: string,
    podLabels: Record<string, string>,
    options: { container: string; signal?: AbortSignal },
    onLine: (line: string) => void,
  ): Promise<void> {
    const pod = (await this.listPods(namespace, podLabels))[0];
    if (!pod || pod.phase === 'Pending') return;
    const lines = await this.client.podLog(namespace, pod.name, { container: options.container });
    for (const line of lines.split('\n')) if (line !== '') onLine(line);
  }
}
