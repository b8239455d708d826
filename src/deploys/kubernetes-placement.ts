/**
 * The Kubernetes placement (BERTH_SCHEDULER=kubernetes): a release is the service's Deployment with the
 * new pod template, applied with its project's Namespace, the deployment's variables as a Secret, and a
 * Service (src/workloads/kubernetes-spec.ts). The image is the one the node's own engine built or pulled
 * (single node, `imagePullPolicy: Never`), or one pushed to BERTH_IMAGE_REGISTRY that any node pulls
 * (kubernetes-registry.ts). Berth's deploy promises map like this:
 * - health-gated switch: the readiness probe is the health check; Berth's proxy routes the hostnames to
 *   the READY pod endpoints only, and follows them while the service exists (endpoint-follower.ts);
 * - never fewer ready pods than wanted: maxUnavailable 0; stabilisation: minReadySeconds;
 * - drain: a leaving pod leaves the endpoints (and the route) at once, serves through its preStop pause,
 *   then gets SIGTERM and the drain timeout; the cluster stops the old pods, not the drainer;
 * - a failed rollout (its health check never passes in time): the Deployment goes back to the template
 *   that served before, so the old ReplicaSet keeps serving and the new pods go.
 * A release command runs as a Job before the rollout (kubernetes-release.ts); worker processes are
 * Deployments of their own, rolled out and rolled back with the web one (kubernetes-workers.ts). What it
 * cannot run yet is refused in words before any work (unsupported-on-kubernetes.ts).
 */
import { AppError } from '../errors.js';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import type { DeploymentObject } from '../runtime/kubernetes/objects.js';
import { APP_CONTAINER_NAME, appDeploymentName, projectNamespaceName } from '../workloads/kubernetes-names.js';
import { REGISTRY_PULL_SECRET } from '../workloads/kubernetes-pull-secret.js';
import { appObjects, type KubernetesAppWorkload, type RolloutTiming } from '../workloads/kubernetes-spec.js';
import { servicePodsOfWorkers } from '../workloads/kubernetes-worker-spec.js';
import { LABELS, serviceSelector } from '../workloads/labels.js';
import { chooseAppPort } from './app-port.js';
import type { DeployDeps, RunContext } from './deploy-context.js';
import { DeployFailure, hostnamesOf, workloadOf } from './deploy-steps.js';
import { findActiveDeployment, sealedVariablesOf } from './deployments.repository.js';
import type { EndpointFollower } from './endpoint-follower.js';
import type { Upstream } from './ports.js';
import type { PlacedWorkers, ReleasePlacement, StartedRelease, SwitchOptions } from './deploy-context.js';
import { commitActive } from './switch-traffic.js';
import { KubernetesCrashWatch } from './kubernetes-crash-watch.js';
import { followDeploymentPods } from './kubernetes-log-follow.js';
import { isInRegistry, pullCredentials, withPullSecret } from './kubernetes-registry.js';
import { runReleaseJob } from './kubernetes-release.js';
import { pruneDeploymentSecrets } from './kubernetes-secret-retention.js';
import { readPlacedState, type PlacedState } from './kubernetes-state.js';
import { refuseUnsupportedOnKubernetes } from './unsupported-on-kubernetes.js';
import {
  processTypeOf,
  releaseWorkerObjects,
  removeOtherWorkers,
  placedWorkers,
  waitForWorkerRollouts,
} from './kubernetes-workers.js';

export class KubernetesPlacement implements ReleasePlacement {
  readonly scheduler = 'kubernetes' as const;
  /** The Deployment that last rolled out, per service: a failed rollout goes back to it. */
  private readonly lastGood = new Map<string, DeploymentObject>();
  /** The worker Deployments that last rolled out with it, per service. */
  private readonly lastGoodWorkers = new Map<string, DeploymentObject[]>();
  /** The worker Deployments a running deploy applied, per service. */
  private readonly appliedWorkers = new Map<string, DeploymentObject[]>();
  readonly cleanup = {
    removeApp: (project: { id: string }, service: { id: string; name: string }) => this.removeApp(project, service),
    removeProject: (projectId: string) => this.removeProject(projectId),
  };
  private crashWatch: KubernetesCrashWatch | undefined;
  /** The Deployment a running deploy applied, per service; it becomes lastGood once recorded active. */
  private readonly applied = new Map<string, DeploymentObject>();

  constructor(
    readonly k8s: KubernetesScheduler,
    readonly follower: EndpointFollower,
    private readonly timing: RolloutTiming,
  ) {}

  /** The workers API on the cluster: scale a process type's Deployment, count its pods. */
  get workers(): PlacedWorkers {
    return placedWorkers(this.k8s, this.lastGoodWorkers);
  }

  refuseUnsupported(ctx: RunContext): Promise<void> {
    return refuseUnsupportedOnKubernetes(ctx);
  }

  /** The release command as a Job of the new image, before the Deployment changes (kubernetes-release.ts). */
  async runRelease(ctx: RunContext, image: string, env: Record<string, string>): Promise<void> {
    await runReleaseJob(ctx, this.k8s, await this.workload(ctx, ctx.deployment.id, image, env), this.timing);
  }

  async start(ctx: RunContext, image: string, env: Record<string, string>): Promise<StartedRelease> {
    const workload = await this.workload(ctx, ctx.deployment.id, image, env);
    const objects = appObjects(workload, this.timing);
    const workers = await releaseWorkerObjects(ctx.deps, workload, this.timing);
    const [, , deployment] = objects;
    const { namespace, name } = locate(deployment);
    if (!this.lastGood.has(ctx.service.id)) {
      const previous = await this.rebuildPrevious(ctx);
      if (previous) this.lastGood.set(ctx.service.id, previous.web);
      if (previous) this.lastGoodWorkers.set(ctx.service.id, previous.workers);
    }
    ctx.log.line(`Applying Deployment ${namespace}/${name} (${ctx.service.replicas} replica(s), image ${image})`);
    const words = workers.map((w) => `${w.metadata.name} (${processTypeOf(w)}, ${w.spec.replicas} replica(s))`);
    if (words.length > 0) ctx.log.line(`Applying the worker process Deployment(s) ${words.join(', ')}`);
    await this.k8s.apply(withPullSecret(ctx, image, [...objects, ...workers]));
    this.applied.set(ctx.service.id, deployment);
    this.appliedWorkers.set(ctx.service.id, workers);
    // The proxy follows the ready pods from now on: the rolling update moves the traffic pod by pod.
    await this.follower.follow(ctx.service.id, hostnamesOf(ctx), namespace, name);
    return { ids: [name] };
  }

  async waitUntilReady(ctx: RunContext, release: StartedRelease): Promise<Upstream[]> {
    const namespace = projectNamespaceName(ctx.project.id);
    const name = release.ids[0]!;
    ctx.log.line(`Waiting for the rollout of ${name} (every pod must pass its readiness probe)`);
    try {
      await this.k8s.waitForRollout(namespace, name, ctx.signal);
    } catch (error) {
      if (error instanceof AppError && error.code === 'KUBERNETES_ROLLOUT_TIMEOUT')
        throw new DeployFailure(`Health check failed: ${error.message}`);
      throw error;
    }
    const upstreams = await this.follower.readyUpstreams({ namespace, service: name });
    if (upstreams.length === 0) throw new DeployFailure('The rollout finished but no pod is ready.');
    const workers = this.appliedWorkers.get(ctx.service.id) ?? [];
    await waitForWorkerRollouts(this.k8s, workers, (line) => ctx.log.line(line), ctx.signal);
    ctx.log.line(`${upstreams.length} pod(s) ready: ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ')}`);
    return upstreams;
  }

  async switchOver(
    ctx: RunContext,
    release: StartedRelease,
    upstreams: Upstream[],
    options: SwitchOptions,
  ): Promise<string[]> {
    await options.onSwitched();
    await commitActive(ctx.deps.db, ctx.deployment.id, options.previous, options.timings());
    await this.follower.refresh(ctx.service.id);
    const applied = this.applied.get(ctx.service.id);
    if (applied) this.lastGood.set(ctx.service.id, applied);
    this.lastGoodWorkers.set(ctx.service.id, this.appliedWorkers.get(ctx.service.id) ?? []);
    ctx.log.line(`Traffic follows the ${upstreams.length} ready pod(s) of ${release.ids[0]}`);
    const removed = await pruneDeploymentSecrets(ctx, this.k8s).catch((error: unknown) => {
      ctx.deps.logger.warn({ err: error, serviceId: ctx.service.id }, 'could not remove old variables Secrets');
      return [];
    });
    if (removed.length > 0) ctx.log.line(`Removed ${removed.length} old variables Secret(s)`);
    // The cluster stopped the previous pods itself (preStop pause, then the drain timeout): nothing to drain.
    return [];
  }

  /** After the switch: the Deployments of worker process types the new release no longer has go. */
  async replaceWorkers(ctx: RunContext): Promise<void> {
    const keep = (this.appliedWorkers.get(ctx.service.id) ?? []).map((worker) => worker.metadata.name);
    const namespace = projectNamespaceName(ctx.project.id);
    const removed = await removeOtherWorkers(this.k8s, namespace, ctx.service.id, keep);
    if (removed.length > 0) ctx.log.line(`Removed the Deployment(s) of process types gone: ${removed.join(', ')}`);
  }

  async discard(ctx: RunContext, release: StartedRelease): Promise<void> {
    const name = release.ids[0];
    if (!name) return;
    const namespace = projectNamespaceName(ctx.project.id);
    const previous = this.lastGood.get(ctx.service.id);
    if (previous) {
      const workers = this.lastGoodWorkers.get(ctx.service.id) ?? [];
      ctx.log.line(`Rolling ${name} back to the template that served before`);
      if (workers.length > 0) ctx.log.line(`Rolling the workers back: ${workers.map(processTypeOf).join(', ')}`);
      await this.k8s.apply([previous, ...workers]);
      const added = await removeOtherWorkers(
        this.k8s,
        namespace,
        ctx.service.id,
        workers.map((w) => w.metadata.name),
      );
      if (added.length > 0) ctx.log.line(`Removed the new worker Deployment(s): ${added.join(', ')}`);
      await this.k8s.waitForRollout(namespace, name);
      return;
    }
    // Nothing served before: the service's objects go, and so does its route.
    this.follower.unfollow(ctx.service.id);
    ctx.deps.router.removeService(ctx.service.id);
    await this.k8s.deleteApp(namespace, name, serviceSelector(ctx.service.id), [servicePodsOfWorkers(ctx.service.id)]);
  }

  async lastLogLines(ctx: RunContext): Promise<string[]> {
    const namespace = projectNamespaceName(ctx.project.id);
    const labels = { [LABELS.deployment]: ctx.deployment.id };
    const logs = await this.k8s.podLogs(namespace, labels, { container: APP_CONTAINER_NAME, tailLines: 20 });
    return logs.flatMap((l) => l.text.split('\n').filter(Boolean));
  }

  /**
   * Routes every service with an active deployment to its ready pods again (a daemon restart), and starts
   * publishing crash loops to the live pages (kubernetes-crash-watch.ts).
   */
  async resume(deps: DeployDeps): Promise<void> {
    if (deps.events && !this.crashWatch) {
      this.crashWatch = new KubernetesCrashWatch(this.k8s, this.follower, deps.events, deps.logger);
      this.crashWatch.start();
    }
    for (const serviceId of await deps.catalog.listServiceIds()) {
      if (!(await findActiveDeployment(deps.db, serviceId))) continue;
      const found = await deps.catalog.findService(serviceId);
      if (!found) continue;
      const namespace = projectNamespaceName(found.project.id);
      const hostnames = hostnamesOf({ deps, ...found });
      await this.follower.follow(serviceId, hostnames, namespace, appDeploymentName(found.service.name));
    }
  }

  stop(): void {
    this.crashWatch?.stop();
    this.follower.stop();
  }

  /** Pod logs of the deployment's pods (the current ones: a pod already gone has no log to read). */
  async readLogs(
    deps: Pick<DeployDeps, 'catalog'>,
    serviceId: string,
    deploymentId: string,
    options: { tail: number; timestamps?: boolean },
  ): Promise<{ replica: string; lines: string[] }[]> {
    const found = await deps.catalog.findService(serviceId);
    if (!found || options.tail === 0) return [];
    const logs = await this.k8s.podLogs(
      projectNamespaceName(found.project.id),
      { [LABELS.deployment]: deploymentId },
      { container: APP_CONTAINER_NAME, tailLines: options.tail, timestamps: options.timestamps },
    );
    return logs.map((log) => ({ replica: log.pod, lines: log.text.split('\n').filter((l) => l !== '') }));
  }

  /** The deployment's pods' logs, live (kubernetes-log-follow.ts). */
  async followLogs(
    deps: Pick<DeployDeps, 'catalog'>,
    serviceId: string,
    deploymentId: string,
    options: { tail: number; timestamps?: boolean; signal?: AbortSignal },
    onLine: (line: string, replica: string) => void,
  ): Promise<void> {
    const found = await deps.catalog.findService(serviceId);
    if (!found) return;
    const namespace = projectNamespaceName(found.project.id);
    await followDeploymentPods(this.k8s, { namespace, deploymentId, ...options }, onLine);
  }

  /** Ready against wanted pods, and a crash loop (kubernetes-state.ts); no service: nothing runs. */
  async readState(deps: Pick<DeployDeps, 'catalog'>, serviceId: string, deploymentId: string): Promise<PlacedState> {
    const found = await deps.catalog.findService(serviceId);
    if (!found) return { running: 0, total: 0, crash: null };
    return readPlacedState(this.k8s, { projectId: found.project.id, serviceName: found.service.name, deploymentId });
  }

  /** Deleting a service: its route stops following, then its Deployment, Service and Secrets go. */
  async removeApp(project: { id: string }, service: { id: string; name: string }): Promise<void> {
    this.follower.unfollow(service.id);
    this.lastGood.delete(service.id);
    this.lastGoodWorkers.delete(service.id);
    await this.k8s.deleteApp(
      projectNamespaceName(project.id),
      appDeploymentName(service.name),
      serviceSelector(service.id),
      [servicePodsOfWorkers(service.id)],
    );
  }

  /** Deleting a project: its namespace, with everything left in it. */
  async removeProject(projectId: string): Promise<void> {
    await this.k8s.deleteNamespace(projectNamespaceName(projectId));
  }

  private async workload(
    ctx: RunContext,
    deploymentId: string,
    image: string,
    env: Record<string, string>,
  ): Promise<KubernetesAppWorkload> {
    const { port } = await chooseAppPort(ctx.deps.runtime, ctx.service, image);
    return {
      ...workloadOf({ ...ctx, deployment: { ...ctx.deployment, id: deploymentId } }, image, env),
      replicas: ctx.service.replicas,
      port,
      healthcheck: ctx.service.healthcheck,
      // Pushed to the registry (BERTH_IMAGE_REGISTRY): any node pulls it once; else only this node's engine has it.
      imagePullPolicy: isInRegistry(ctx.deps.config.imageRegistry?.prefix, image) ? 'IfNotPresent' : 'Never',
      ...(pullCredentials(ctx, image) ? { pullSecretName: REGISTRY_PULL_SECRET } : {}),
    };
  }

  /** After a daemon restart: the active deployment's Deployments (web, workers), rebuilt from its release. */
  private async rebuildPrevious(
    ctx: RunContext,
  ): Promise<{ web: DeploymentObject; workers: DeploymentObject[] } | undefined> {
    const active = await findActiveDeployment(ctx.deps.db, ctx.service.id);
    const sealed = active && (await sealedVariablesOf(ctx.deps.db, active.id));
    if (!active?.image || !sealed) return undefined;
    const env = JSON.parse(ctx.deps.secretBox.decrypt(sealed)) as Record<string, string>;
    const workload = await this.workload(ctx, active.id, active.image, env);
    return {
      web: appObjects(workload, this.timing)[2],
      workers: await releaseWorkerObjects(ctx.deps, workload, this.timing).catch(() => []),
    };
  }
}

function locate(object: DeploymentObject): { namespace: string; name: string } {
  return { namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}
