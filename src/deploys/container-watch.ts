/**
 * Keeps the proxy from sending requests to app containers that are not running. Without it a crashed
 * container stays in its route and every request waits on a connect to a vanished address (a 504 after
 * seconds); with it, a service whose containers are all down is answered 503 at once.
 *
 * The engine's events mark a container down the moment it dies. A container that died comes back into
 * its route only once it has stayed up RECOVERY_MS: under the restart policy a crash-looping app runs for
 * a fraction of a second between back-off pauses, and requests sent to it then would fail too. A poll
 * (one labelled list call a second) reconciles what events can miss: a daemon start, an engine restart.
 */
import type { Logger } from '../logger.js';
import type { ContainerSummary, Runtime } from '../runtime/runtime.js';
import { LABELS, isReleaseContainer, managedLabels } from '../workloads/labels.js';

export const CONTAINER_WATCH_INTERVAL_MS = 1000;
/** How long a container that died must stay up again before it gets requests. */
export const RECOVERY_MS = 2000;

/** Where the watcher reports; the proxy's route table. */
export interface UpstreamAvailability {
  setUnavailable(upstreamIds: Iterable<string>): void;
}

type WatchRuntime = Pick<Runtime, 'listContainers' | 'inspectContainer' | 'containerEvents' | 'state'>;

/**
 * States of a container that ran and stopped. A `created` one has not started yet (a deploy in progress
 * starts it and health-checks it before any route points at it), so it is not down: marking it would keep
 * a fresh deploy's containers out of their route for RECOVERY_MS after the switch.
 */
const STOPPED = new Set<ContainerSummary['state']>(['exited', 'dead', 'restarting']);

const isAppContainer = (c: ContainerSummary) => Boolean(c.labels[LABELS.deployment]) && !isReleaseContainer(c.labels);

export class ContainerWatch {
  private readonly down = new Set<string>();
  /** Exit code of each container's last death: while a crash-looping one is up for a moment, the engine says 0. */
  private readonly lastExit = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  private events: AbortController | undefined;
  private following: Promise<void> | undefined;

  constructor(
    private readonly runtime: WatchRuntime,
    private readonly availability: UpstreamAvailability,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly intervalMs = CONTAINER_WATCH_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.followEvents();
      // One look at a time: a slow engine must not pile calls up.
      this.looking ??= this.look().finally(() => (this.looking = undefined));
    }, this.intervalMs);
    this.timer.unref();
    this.followEvents();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.events?.abort();
    await Promise.all([this.looking, this.following]);
  }

  /** Reconciles with the engine's list: stopped containers are down, recovered ones come back. */
  async look(): Promise<void> {
    // While the engine is away, what it last said stays (the containers most likely still run).
    if (!this.runtime.state().available) return;
    try {
      const containers = (await this.runtime.listContainers(managedLabels())).filter(isAppContainer);
      const present = new Set(containers.map((c) => c.id));
      for (const id of this.down) if (!present.has(id)) this.down.delete(id);
      for (const id of this.lastExit.keys()) if (!present.has(id)) this.lastExit.delete(id);
      for (const c of containers) {
        if (STOPPED.has(c.state)) this.down.add(c.id);
        else if (this.down.has(c.id) && (await this.hasRecovered(c.id))) this.down.delete(c.id);
      }
      this.publish();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look at the app containers');
    }
  }

  /** The exit code the container last died with, if this daemon saw it die. */
  lastExitCode(id: string): number | undefined {
    return this.lastExit.get(id);
  }

  private async hasRecovered(id: string): Promise<boolean> {
    const details = await this.runtime.inspectContainer(id);
    const startedAt = details?.startedAt ? Date.parse(details.startedAt) : Date.now();
    return details?.state === 'running' && Date.now() - startedAt >= RECOVERY_MS;
  }

  /** Subscribes to container deaths while the engine is up; a new subscription after each loss. */
  private followEvents(): void {
    if (this.following || !this.timer || !this.runtime.state().available) return;
    const controller = new AbortController();
    this.events = controller;
    this.following = this.runtime
      .containerEvents(
        managedLabels(),
        (event) => {
          if (event.action !== 'die') return;
          this.down.add(event.id);
          if (event.exitCode !== undefined) this.lastExit.set(event.id, event.exitCode);
          this.publish();
        },
        controller.signal,
      )
      .catch((error: unknown) => {
        if (!controller.signal.aborted) this.logger.warn({ err: error }, 'lost the container event stream');
      })
      .finally(() => (this.following = undefined));
  }

  private publish(): void {
    this.availability.setUnavailable(this.down);
  }
}
