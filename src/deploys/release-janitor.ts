/**
 * Finishes the clean-up that a deployment could not do itself. A deployment that fails while the engine
 * is away (e.g. during its stabilisation window) is recorded `failed`, but removing its container and
 * image needs the engine: the container would keep running (restart policy), keep the service's network
 * alias and answer requests from its neighbours, and its image would stay for ever. The janitor retries:
 * as soon as the engine comes back (it watches the engine state), and on a timer.
 *
 * It removes containers of deployments that can never serve (failed, cancelled, interrupted, superseded),
 * and of replaced ones (a removal after their drain that failed), and the images Berth built for
 * deployments that never went live. A service with a deployment running or old containers draining is
 * left alone until that ends.
 */
import type { DeployDeps } from './deploy-context.js';
import { isBuiltImageOf } from '../workloads/names.js';
import { removeContainers } from './deploy-steps.js';
import { findDeployment } from './deployments.repository.js';
import type { DeploymentStatus } from './deployment.types.js';
import { LABELS, managedLabels } from '../workloads/labels.js';

/** Deployments whose containers and built image can go. */
const NEVER_LIVE: readonly DeploymentStatus[] = ['failed', 'cancelled', 'interrupted', 'superseded'];

export interface JanitorTiming {
  /** How often the engine state is looked at (a reconnect triggers a sweep). */
  pollMs: number;
  /** A sweep runs at least this often while the engine is up. */
  sweepMs: number;
}

export const DEFAULT_JANITOR_TIMING: JanitorTiming = { pollMs: 1_000, sweepMs: 60_000 };

export interface JanitorResult {
  containers: string[];
  images: string[];
}

export class ReleaseJanitor {
  private timer: NodeJS.Timeout | undefined;
  /**
   * When the engine state last changed, as last seen. A reconnect is a change to available, even one whose
   * outage fell between two polls (seen only as a newer `since`).
   */
  private seenSince = '';
  private lastSweepAt = 0;
  private sweeping: Promise<JanitorResult> | undefined;
  /**
   * The last sweep left something removable alone because its service was busy (typically: the failed
   * deployment itself was still unwinding when the engine came back). The next poll sweeps again rather
   * than waiting a whole sweep interval.
   */
  private deferred = false;

  constructor(
    private readonly deps: DeployDeps,
    /** True while a deployment of the service runs or its old containers drain. */
    private readonly isBusy: (serviceId: string) => boolean,
    private readonly timing: JanitorTiming = DEFAULT_JANITOR_TIMING,
  ) {}

  /** Idempotent: recovery may run again once a missing engine answers. */
  start(): void {
    if (this.timer) return;
    this.seenSince = this.deps.runtime.state().since;
    this.lastSweepAt = Date.now();
    this.timer = setInterval(() => this.tick(), this.timing.pollMs);
    this.timer.unref();
  }

  stop(): Promise<unknown> {
    clearInterval(this.timer);
    this.timer = undefined;
    return this.sweeping ?? Promise.resolve();
  }

  /** One sweep now (never two at once). Never throws: what fails is logged and retried next time. */
  sweep(): Promise<JanitorResult> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'could not clean up after failed deployments; will retry');
        return { containers: [], images: [] };
      })
      .finally(() => {
        this.sweeping = undefined;
        this.lastSweepAt = Date.now();
      });
    return this.sweeping;
  }

  private tick(): void {
    const state = this.deps.runtime.state();
    const available = state.available;
    const reconnected = available && state.since !== this.seenSince;
    this.seenSince = state.since;
    const due = reconnected || this.deferred || Date.now() - this.lastSweepAt >= this.timing.sweepMs;
    if (available && due) void this.sweep();
  }

  private async sweepOnce(): Promise<JanitorResult> {
    const { runtime, catalog, logger } = this.deps;
    const removed: JanitorResult = { containers: [], images: [] };
    if (!runtime.state().available) return removed;
    const known = new Set(await catalog.listServiceIds());
    const isOurs = (labels: Record<string, string>) => known.has(labels[LABELS.service] ?? '');
    let deferred = false;
    // Checked right before each removal: a deploy of the service may have started meanwhile.
    const busy = (labels: Record<string, string>) => {
      const isBusy = this.isBusy(labels[LABELS.service]!);
      deferred ||= isBusy;
      return isBusy;
    };

    const containers = (await runtime.listContainers(managedLabels())).filter((c) => isOurs(c.labels));
    for (const container of containers) {
      const deploymentId = container.labels[LABELS.deployment];
      if (!deploymentId) continue;
      const status = (await findDeployment(this.deps.db, deploymentId))?.status;
      if (!status || !(NEVER_LIVE.includes(status) || status === 'replaced')) continue;
      if (busy(container.labels)) continue;
      await removeContainers({ deps: this.deps }, [container.id]);
      removed.containers.push(container.name);
    }

    // After the containers: an image still used by one cannot be removed.
    const images = (await runtime.listImages(managedLabels())).filter((i) => isOurs(i.labels));
    for (const image of images) {
      const serviceId = image.labels[LABELS.service]!;
      // The deployment is in the tag Berth built (berth/<service>:<deployment>), not in a label (builtImageLabels).
      for (const tag of image.tags.filter((t) =>
        isBuiltImageOf(serviceId, t, this.deps.config.imageRegistry?.prefix),
      )) {
        const deploymentId = tag.slice(tag.lastIndexOf(':') + 1);
        const status = (await findDeployment(this.deps.db, deploymentId))?.status;
        if (!status || !NEVER_LIVE.includes(status)) continue;
        if (busy(image.labels)) continue;
        // Only that tag: the same image may also carry a live deployment's tag (an unchanged rebuild).
        await runtime.removeImage(tag);
        removed.images.push(tag);
      }
    }
    this.deferred = deferred;
    if (removed.containers.length + removed.images.length > 0)
      logger.info(removed, 'finished the clean-up of deployments that did not go live');
    return removed;
  }
}
