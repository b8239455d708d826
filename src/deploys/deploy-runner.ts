/**
 * Runs one deployment through its phases (DESIGN.md "How a deploy flows"). Any failure leaves the old
 * version serving: new containers are removed, the route is the previous one (switched back at once if
 * the new version failed in its watch window), and the reason is recorded.
 */
import { settingsSnapshot } from './pending-changes.js';
import { isAppError } from '../errors.js';
import { isDiskFullError, MIN_FREE_BYTES_FOR_DEPLOY, requireFreeSpace } from '../lib/disk-space.js';
import { serviceUrl } from '../projects/service.types.js';
import { nowIso } from '../lib/ids.js';
import { builtImageLabels } from '../workloads/app-spec.js';
import { builtImageTag } from '../workloads/names.js';
import type { DeployDeps, RunContext } from './deploy-context.js';
import { DeployFailure, fetchSource, removeBuiltImage, removeSourceDir, runRelease } from './deploy-steps.js';
import { dockerPlacement } from './docker-placement.js';
import { fetchRollbackImage } from './rollback-image.js';
import type { StartedRelease } from './deploy-context.js';
import type { DeploymentStatus } from './deployment.types.js';
import type { DeploymentLogStore } from './deployment-log.js';
import {
  findActiveDeployment,
  findDeployment,
  recordSealedVariables,
  sealedVariablesOf,
  updateDeployment,
  recordSettingsSnapshot,
} from './deployments.repository.js';
import { pruneServiceImages } from './image-retention.js';
import { publishBuiltImage } from './image-publish.js';
import type { OldReleaseDrainer } from './old-release-drain.js';
import { afterFailureWords, isOtherVersionServing } from './serving-words.js';
import { DeploySkipped, refuseOlderThanRunning } from './webhook-guard.js';
import { recordReleaseProcesses, replaceWorkers } from './worker-release.js';
import { applyConfigFile } from '../repo-config/deploy-hook.js';
import { findReferences } from '../projects/variable-references.js';
import { commandArgv, parseStartCommand } from '../build/start-command.js';
import { prepareVolumes, startOldReplicasAgain, stopOldReplicasFirst } from './volume-deploy-mode.js';

export const SHUTDOWN = 'daemon-shutdown';

export class DeployRunner {
  constructor(
    private readonly deps: DeployDeps,
    private readonly logs: DeploymentLogStore,
    private readonly drainer: OldReleaseDrainer,
  ) {}

  async run(deploymentId: string, signal: AbortSignal): Promise<void> {
    const deployment = await findDeployment(this.deps.db, deploymentId);
    if (!deployment || deployment.status !== 'queued') return;
    const log = this.logs.writer(deploymentId);
    const found = await this.deps.catalog.findService(deployment.serviceId);
    if (!found) {
      await this.finish(deploymentId, 'failed', 'The service no longer exists.', {});
      await log.close();
      return;
    }
    const ctx: RunContext = { deps: this.deps, deployment, ...found, log, signal };
    const timings: Record<string, number> = {};
    let phase = 'fetching';
    let phaseStartedAt = Date.now();
    const enter = async (next: DeploymentStatus) => {
      timings[phase] = Date.now() - phaseStartedAt;
      phase = next;
      phaseStartedAt = Date.now();
      await updateDeployment(this.deps.db, deploymentId, { status: next, phaseTimings: timings });
      this.announce(deploymentId, deployment.serviceId, next);
      log.line(`--- ${next}`);
      if (signal.aborted) throw new DeployFailure('Cancelled.');
    };
    // Where the release runs (Docker containers or a Kubernetes Deployment): ReleasePlacement in deploy-context.ts.
    const placement = this.deps.placement ?? dockerPlacement;
    let release: StartedRelease = { ids: [] };
    // Old replicas stopped before the new ones start (volumes not shared: volume-deploy-mode.ts).
    let stoppedOld: string[] = [];
    // Once the old containers are handed to the drainer, it closes the log when they are gone.
    let isLogHandedOff = false;
    try {
      await updateDeployment(this.deps.db, deploymentId, { status: 'fetching', startedAt: nowIso() });
      this.announce(deploymentId, deployment.serviceId, 'fetching');
      log.line(`--- fetching (deployment ${deploymentId}, triggered by ${deployment.trigger})`);
      // Variables first: a reference that no longer resolves fails the deploy before any build work.
      let env = await this.variablesFor(ctx);
      await recordSettingsSnapshot(this.deps.db, deploymentId, JSON.stringify(settingsSnapshot(ctx.service)));
      log.addSecrets(await this.deps.catalog.secretValues(ctx.service.id, env));
      // Before any work: a full disk fails the deploy here in words, not later as a confusing git error.
      await requireFreeSpace(this.deps.buildsDir, MIN_FREE_BYTES_FOR_DEPLOY, 'a deployment');
      const image = await this.obtainImage(ctx, enter);
      await recordReleaseProcesses(ctx);
      await placement.refuseUnsupported?.(ctx);
      if (ctx.fileVariables) env = await this.withFileVariables(ctx, env, ctx.fileVariables);
      const volumes = await prepareVolumes(ctx);
      await enter('releasing');
      stoppedOld = await stopOldReplicasFirst(ctx, volumes);
      if (placement.runRelease) await placement.runRelease(ctx, image, env);
      else await runRelease(ctx, image, env, volumes.mounts);
      await enter('starting');
      release = await placement.start(ctx, image, env, volumes.mounts);
      await enter('healthy');
      const upstreams = await placement.waitUntilReady(ctx, release);
      const previous = await findActiveDeployment(this.deps.db, ctx.service.id);
      // Docker: switch at once, the previous release stands by through the window (switch-watch.ts).
      const oldContainers = await placement.switchOver(ctx, release, upstreams, {
        previous,
        onSwitched: () => enter('watching'),
        timings: () => {
          timings[phase] = Date.now() - phaseStartedAt;
          return timings;
        },
      });
      try {
        log.line(`Live at ${serviceUrl(ctx.service.name, ctx.project.hostScope, ctx.deps.config)}`);
        if (placement.replaceWorkers) await placement.replaceWorkers(ctx);
        else await replaceWorkers(ctx, image, env, volumes.mounts);
        await pruneServiceImages(this.deps.db, this.deps.runtime, this.deps.logger, ctx.service.id, {
          registryPrefix: this.deps.config.imageRegistry?.prefix,
        });
      } finally {
        // In the background: the queue moves on while the old release drains (old-release-drain.ts).
        this.drainer.start(ctx.service.id, oldContainers, log);
        isLogHandedOff = true;
      }
    } catch (error) {
      if (await this.wentLive(deploymentId)) {
        // The switch happened and this deployment serves the traffic: a failure after it (draining or
        // removing the old containers, pruning images) must not mark it failed and remove its containers.
        log.line(`After the switch: ${describe(error)}`);
        this.deps.logger.warn({ err: error, deploymentId }, 'cleanup after the switch failed');
        return;
      }
      const status: DeploymentStatus = signal.aborted
        ? signal.reason === SHUTDOWN
          ? 'interrupted'
          : 'cancelled'
        : error instanceof DeploySkipped
          ? 'superseded'
          : 'failed';
      const reason = signal.aborted
        ? status === 'cancelled'
          ? 'Cancelled.'
          : 'The Berth daemon stopped.'
        : describe(error);
      log.line(`Deployment ${status}: ${reason}`);
      if (status === 'failed' && release.ids.length > 0) {
        const tail = await placement.lastLogLines(ctx, release).catch(() => []);
        if (tail.length > 0) log.line('Last lines of the new container:');
        for (const line of tail) log.line(`  ${line}`);
      }
      await placement.discard(ctx, release).catch((e: unknown) => {
        // The release janitor retries when the engine is back and on a timer (release-janitor.ts).
        log.line(`Could not remove the new containers yet (${describe(e)}); Berth retries the clean-up.`);
        this.deps.logger.warn({ err: e }, 'cleanup failed');
      });
      await startOldReplicasAgain(ctx, stoppedOld).catch((e: unknown) => {
        log.line(`Could not start the old containers again: ${describe(e)}`);
      });
      await removeBuiltImage(this.deps, ctx.service.id, deploymentId);
      timings[phase] = Date.now() - phaseStartedAt;
      await this.finish(deploymentId, status, reason, timings);
      if (status === 'failed') {
        const isServing = await isOtherVersionServing(this.deps.db, ctx.service.id, deploymentId).catch(() => true);
        log.line(afterFailureWords(isServing));
      }
    } finally {
      await removeSourceDir(ctx).catch(() => {});
      if (!isLogHandedOff) await log.close();
    }
  }

  private async obtainImage(ctx: RunContext, enter: (s: DeploymentStatus) => Promise<void>): Promise<string> {
    const { deployment, deps } = ctx;
    if (deployment.rollbackOf && deployment.image) {
      ctx.log.line(
        deployment.trigger === 'autoscale'
          ? `Scaling to ${ctx.service.replicas} replica(s): the image of deployment ${deployment.rollbackOf}, ${deployment.image}`
          : `Rolling back to the image of deployment ${deployment.rollbackOf}: ${deployment.image}`,
      );
      const scheduler = (deps.placement ?? dockerPlacement).scheduler;
      const missing = await fetchRollbackImage(deps, scheduler, deployment.image, (line) => ctx.log.line(line));
      if (missing) throw new DeployFailure(missing);
      await this.useConfigFile(ctx, undefined);
      return deployment.image;
    }
    const fetched = await fetchSource(ctx);
    if (fetched.commit) await refuseOlderThanRunning(ctx, fetched.commit.sha);
    if (fetched.commit) await updateDeployment(deps.db, deployment.id, { commit: fetched.commit });
    await this.useConfigFile(ctx, fetched.sourceDir);
    if (fetched.image) {
      await updateDeployment(deps.db, deployment.id, { image: fetched.image });
      return fetched.image;
    }
    await enter('building');
    const imageTag = builtImageTag(ctx.service.id, deployment.id);
    const built = await deps.builder.build({
      sourceDir: fetched.sourceDir!,
      service: ctx.service,
      imageTag,
      labels: builtImageLabels({ project: ctx.project, service: ctx.service }),
      log: (line) => ctx.log.line(line),
      signal: ctx.signal,
    });
    const image = await publishBuiltImage(
      deps,
      { image: built.image, serviceId: ctx.service.id, deploymentId: deployment.id },
      (line) => ctx.log.line(line),
    );
    await updateDeployment(deps.db, deployment.id, { image });
    return image;
  }

  /**
   * The variables this deployment runs with: those of the deployment a rollback restores, else today's
   * (resolved now). Either way they are sealed on the deployment, so a later rollback to it restores them.
   */
  private async variablesFor(ctx: RunContext): Promise<Record<string, string>> {
    const { db, secretBox, catalog } = this.deps;
    const { deployment } = ctx;
    const sealed = await sealedVariablesOf(db, deployment.id);
    if (sealed) {
      ctx.log.line(`Restoring the variables deployment ${deployment.rollbackOf ?? ''} ran with`);
      return JSON.parse(secretBox.decrypt(sealed)) as Record<string, string>;
    }
    if (deployment.rollbackOf) ctx.log.line('Running with the current variables');
    const env = await catalog.resolveVariables(ctx.service.id);
    await recordSealedVariables(db, deployment.id, secretBox.encrypt(JSON.stringify(env)));
    return env;
  }

  /** A berth.json in the source (or the one a rollback's target ran with) overrides settings for this deploy. */
  private async useConfigFile(ctx: RunContext, sourceDir: string | undefined): Promise<void> {
    const { deployment } = ctx;
    const target = { deploymentId: deployment.id, rollbackOf: deployment.rollbackOf, service: ctx.service };
    // The stored start command (the panel, API or a project file), unless the repository's file sets one.
    const stored = ctx.service.startCommand;
    if (stored) ctx.startCommand = commandArgv(parseStartCommand(stored, 'start'));
    const effect = await applyConfigFile(this.deps.db, target, sourceDir, (line) => ctx.log.line(line));
    if (!effect) return;
    ctx.service = effect.service;
    if (effect.startCommand) ctx.startCommand = commandArgv(effect.startCommand);
    if (effect.variables) ctx.fileVariables = effect.variables;
    if (effect.processes) ctx.fileProcesses = effect.processes;
  }

  /** The file's variables (references resolved) over the stored ones, sealed again for a later rollback. */
  private async withFileVariables(
    ctx: RunContext,
    env: Record<string, string>,
    values: Record<string, string>,
  ): Promise<Record<string, string>> {
    const { catalog, db, secretBox } = this.deps;
    const referring = Object.keys(values).filter((key) => findReferences(values[key]!).length > 0);
    if (referring.length > 0 && !catalog.resolveReferences)
      throw new DeployFailure('References cannot be resolved here.');
    const resolved = referring.length > 0 ? await catalog.resolveReferences!(ctx.service.id, values) : values;
    ctx.log.addSecrets(referring.map((key) => resolved[key]!));
    ctx.log.line(`Variables from berth.json: ${Object.keys(values).join(', ')}`);
    const merged = { ...env, ...resolved };
    await recordSealedVariables(db, ctx.deployment.id, secretBox.encrypt(JSON.stringify(merged)));
    return merged;
  }

  private announce(deploymentId: string, serviceId: string, status: DeploymentStatus): void {
    this.deps.events?.publish({ type: 'deployment', deploymentId, serviceId, status });
  }

  private async wentLive(deploymentId: string): Promise<boolean> {
    return (await findDeployment(this.deps.db, deploymentId).catch(() => undefined))?.status === 'active';
  }

  private async finish(id: string, status: DeploymentStatus, error: string, timings: Record<string, number>) {
    await updateDeployment(this.deps.db, id, { status, error, phaseTimings: timings, finishedAt: nowIso() });
  }
}

function describe(error: unknown): string {
  if (isAppError(error) && error.code === 'DISK_FULL') return error.message;
  if (isDiskFullError(error)) return `The disk is full (ENOSPC): ${error instanceof Error ? error.message : ''}`;
  if (error instanceof DeployFailure || isAppError(error)) return error.message;
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}
