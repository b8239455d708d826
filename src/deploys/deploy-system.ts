/** Assembles the deploy feature (log store, runner, queue) and gives the HTTP layer one object to call. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { newId } from '../lib/ids.js';
import type { DeployDeps } from './deploy-context.js';
import { receiveUpload } from './upload-source.js';
import { DeployQueue } from './deploy-queue.js';
import { DeployRunner } from './deploy-runner.js';
import type { BuiltFrom, Deployment } from './deployment.types.js';
import { DeploymentLogStore } from './deployment-log.js';
import {
  findActiveDeployment,
  findDeployment,
  listDeploymentsOfService,
  runningCommitIfNotNewer,
} from './deployments.repository.js';
import { followServiceLogs, type RuntimeLogOptions } from './runtime-logs.js';
import { planSource, type SourcePlan } from './source-plan.js';
import { requireService } from '../projects/service-catalog.js';
import { projectOverview, type ServiceOverview } from './project-overview.js';
import { cancelDeployment, requestDeployment, requestRollback } from './deploys.service.js';
import { recoverDeployments } from './recovery.js';
import { AppError } from '../errors.js';
import { serviceUrl } from '../projects/service.types.js';
import { refuseUnavailableRollbackImage } from './rollback-image.js';
import { DEFAULT_JANITOR_TIMING, ReleaseJanitor, type JanitorTiming } from './release-janitor.js';
import { OldReleaseDrainer } from './old-release-drain.js';
import { ContainerWatch, type UpstreamAvailability } from './container-watch.js';
import { readServiceState, type ServiceState } from './service-state.js';
import { pendingChanges, type PendingChanges } from './pending-changes.js';
import { kubernetesManifests, type EjectedManifests } from './kubernetes-eject.js';
import { deploymentConfigFile, serviceConfigFile, type ConfigFileView } from '../repo-config/config-file-view.js';

export class DeploySystem {
  readonly logs: DeploymentLogStore;
  readonly queue: DeployQueue;
  /** Retries the clean-up of deployments that failed while the engine was away (see release-janitor.ts). */
  readonly janitor: ReleaseJanitor;
  /** Old containers drain and go after a switch, outside the service's queue. */
  readonly drainer: OldReleaseDrainer;
  private readonly watch: ContainerWatch | undefined;

  /** `availability`: where to report app containers that are not running (the proxy's route table). */
  constructor(
    readonly deps: DeployDeps,
    logsDir: string,
    availability?: UpstreamAvailability,
    janitorTiming: JanitorTiming = DEFAULT_JANITOR_TIMING,
  ) {
    this.logs = new DeploymentLogStore(logsDir, deps.config.deployLogMaxBytes);
    this.drainer = new OldReleaseDrainer(deps);
    this.queue = new DeployQueue(deps.db, new DeployRunner(deps, this.logs, this.drainer), deps.logger, (id) => {
      this.announce(id);
      this.dropUnrunUpload(id);
    });
    this.watch =
      availability &&
      new ContainerWatch(deps.runtime, availability, deps.logger, undefined, (serviceId, state) =>
        deps.events?.publish({ type: 'service', serviceId, state }),
      );
    this.janitor = new ReleaseJanitor(
      deps,
      (serviceId) => this.queue.runningDeploymentOf(serviceId) !== undefined || this.drainer.isDraining(serviceId),
      janitorTiming,
    );
  }

  /**
   * Recovers what a previous daemon left, then starts watching the app containers and retrying failed
   * clean-ups (also when recovery failed: no engine yet).
   */
  async recover() {
    try {
      const recovered = await recoverDeployments(this.deps, this.queue, this.logs);
      await this.deps.placement?.resume?.(this.deps);
      return recovered;
    } finally {
      this.watch?.start();
      this.janitor.start();
      void this.janitor.sweep();
    }
  }

  /** Tells the live pages a deployment's status changed (read again: the event carries what is stored). */
  private announce(deploymentId: string): void {
    const events = this.deps.events;
    if (!events) return;
    findDeployment(this.deps.db, deploymentId)
      .then((d) => {
        if (d) events.publish({ type: 'deployment', deploymentId: d.id, serviceId: d.serviceId, status: d.status });
      })
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, deploymentId }, 'could not announce a deployment'),
      );
  }

  /** An uploaded tree whose deployment will never run (superseded or cancelled while queued) goes now. */
  private dropUnrunUpload(deploymentId: string): void {
    findDeployment(this.deps.db, deploymentId)
      .then(async (d) => {
        if (d?.trigger !== 'upload' || !['superseded', 'cancelled'].includes(d.status)) return;
        await rm(join(this.deps.buildsDir, d.id), { recursive: true, force: true });
      })
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, deploymentId }, 'could not remove the files of an unrun upload'),
      );
  }

  /** Every app of a project at once: newest deployment and active release state (the project canvas). */
  overviewOf(projectId: string, serviceIds: readonly string[]): Promise<Map<string, ServiceOverview>> {
    return projectOverview(this.deps, projectId, serviceIds);
  }

  /** Running, crashed (exit code, last lines) or not deployed, as the engine says now. */
  state(serviceId: string): Promise<ServiceState> {
    return readServiceState(this.deps, serviceId, (id) => this.watch?.lastExitCode(id));
  }

  /** "Deploy now": builds what planFor shows (see source-plan.ts), or the source asked for. */
  async deploy(
    serviceId: string,
    trigger: 'manual' | 'api',
    triggeredBy: string | null,
    options: { source?: 'url' | 'push' } = {},
  ): Promise<Deployment> {
    // A broken `${{service.VAR}}` reference is refused here, before a deployment is even queued.
    await this.deps.catalog.resolveVariables(serviceId);
    const plan = await planSource(this.deps, await requireService(this.deps.catalog, serviceId), options.source);
    return requestDeployment(this.deps.db, this.queue, {
      serviceId,
      trigger,
      triggeredBy,
      builtFrom: plan.builtFrom,
      commit: plan.commit ?? undefined,
    });
  }

  /**
   * `berth up`: unpacks the uploaded archive into a new deployment's working copy and queues it. The
   * upload is that one deployment's source; the service's own source (git URL, pushes) is unchanged, so
   * the next "Deploy now" builds that again. Image services have nothing to build and refuse it.
   */
  async deployUpload(serviceId: string, triggeredBy: string | null, archive: Readable): Promise<Deployment> {
    const { service } = await requireService(this.deps.catalog, serviceId);
    if (service.source.type === 'image')
      throw new AppError('VALIDATION_FAILED', 'An image service runs its image; it cannot deploy uploaded files.');
    await this.deps.catalog.resolveVariables(serviceId);
    const id = newId('dep');
    const dir = join(this.deps.buildsDir, id);
    await receiveUpload(archive, dir, this.deps.config.uploadMaxBytes);
    try {
      return await requestDeployment(this.deps.db, this.queue, { id, serviceId, trigger: 'upload', triggeredBy });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Settings and variables that differ from what the active deployment runs (names only). */
  /** The berth.json behind the service's running settings (its live or latest deploy), or null. */
  configFileOf(serviceId: string): Promise<ConfigFileView | null> {
    return serviceConfigFile(this.deps.db, serviceId);
  }

  /** The berth.json a deployment applied, or null. */
  configFileOfDeployment(deploymentId: string): Promise<ConfigFileView | null> {
    return deploymentConfigFile(this.deps.db, deploymentId);
  }

  async pendingChanges(serviceId: string): Promise<PendingChanges> {
    const { service } = await requireService(this.deps.catalog, serviceId);
    return pendingChanges(this.deps, service);
  }

  /** Which code the next "Deploy now" of the service builds. */
  async planFor(serviceId: string): Promise<SourcePlan> {
    return planSource(this.deps, await requireService(this.deps.catalog, serviceId));
  }

  /**
   * A deployment triggered from outside: a push (that exact pushed commit), a webhook (the branch tip,
   * fetched when it starts) or the deploy hook (its commit if given, else the tip).
   */
  async deployCommit(
    serviceId: string,
    trigger: 'push' | 'webhook' | 'api',
    triggeredBy: string | null,
    commitSha: string | undefined,
  ): Promise<Deployment> {
    const { service } = await requireService(this.deps.catalog, serviceId);
    const builtFrom: BuiltFrom =
      trigger === 'push' || service.source.type === 'push' ? 'push' : service.source.type === 'git' ? 'url' : 'image';
    const commit = commitSha ? { sha: commitSha } : undefined;
    return requestDeployment(this.deps.db, this.queue, { serviceId, trigger, triggeredBy, builtFrom, commit });
  }

  /**
   * The running commit when `sha` is that commit or one the service ran before it: a webhook announcing
   * it must not move the service (a replayed old delivery would otherwise roll it back).
   */
  runningCommitIfNotNewer(serviceId: string, sha: string): Promise<string | undefined> {
    return runningCommitIfNotNewer(this.deps.db, serviceId, sha);
  }

  async rollback(
    deploymentId: string,
    triggeredBy: string | null,
    options: { keepCurrentVariables?: boolean } = {},
  ): Promise<Deployment> {
    const target = await this.get(deploymentId);
    const wentLive = target.status === 'active' || target.status === 'replaced';
    if (wentLive && target.image) await refuseUnavailableRollbackImage(this.deps, deploymentId, target.image);
    return requestRollback(this.deps.db, this.queue, deploymentId, triggeredBy, options);
  }

  cancel(deploymentId: string): Promise<Deployment> {
    return cancelDeployment(this.deps.db, this.queue, deploymentId);
  }

  async get(deploymentId: string): Promise<Deployment> {
    const deployment = await findDeployment(this.deps.db, deploymentId);
    if (!deployment) throw new AppError('NOT_FOUND', `No deployment ${deploymentId}.`);
    return deployment;
  }

  list(serviceId: string): Promise<Deployment[]> {
    return listDeploymentsOfService(this.deps.db, serviceId);
  }

  /** The app service with its project, or undefined. */
  findService(serviceId: string) {
    return this.deps.catalog.findService(serviceId);
  }

  /** The app service with its project, or NOT_FOUND (404). */
  requireService(serviceId: string) {
    return requireService(this.deps.catalog, serviceId);
  }

  /** The deployment serving the service now, if any. */
  activeDeployment(serviceId: string): Promise<Deployment | undefined> {
    return findActiveDeployment(this.deps.db, serviceId);
  }

  /** The runtime log lines of the service's active deployment (following it across deploys when asked). */
  followLogs(serviceId: string, options: RuntimeLogOptions, onLine: (line: string) => void) {
    return followServiceLogs(this.deps, serviceId, options, onLine);
  }

  /** The service's public URL (its default hostname through the proxy). */
  /** The project's apps as Kubernetes manifests (YAML, variable values left out): "eject". */
  kubernetesManifests(projectId: string, version: string): Promise<EjectedManifests> {
    return kubernetesManifests(this.deps, projectId, version);
  }

  async urlOf(serviceId: string): Promise<string | null> {
    const found = await this.deps.catalog.findService(serviceId);
    if (!found) return null;
    return serviceUrl(found.service.name, found.project.hostScope, this.deps.config);
  }

  async stop(): Promise<void> {
    this.deps.placement?.stop?.();
    await this.watch?.stop();
    await this.janitor.stop();
    await this.queue.stop();
    await this.drainer.stop();
  }
}
