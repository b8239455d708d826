/**
 * After the switch, the old containers of a service finish their in-flight requests (up to the drain
 * timeout) and are removed, in the background. The new deployment is `active` from the switch on, and the
 * service's deploy queue is free at once: a second deploy must not wait out the first one's drain.
 *
 * The deployment's log stays open until its old containers are gone, so the drain's lines land in it.
 * At shutdown the drains are abandoned (their containers belong to a replaced deployment, which recovery
 * removes at the next start) rather than holding the daemon up for the drain timeout.
 */
import type { LogWriter } from './deployment-log.js';
import type { DeployDeps } from './deploy-context.js';
import { removeContainers } from './deploy-steps.js';

interface Drain {
  serviceId: string;
  containerIds: readonly string[];
  done: Promise<void>;
}

export class OldReleaseDrainer {
  private readonly drains = new Set<Drain>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: DeployDeps) {}

  /**
   * Drains and removes the given old containers in the background, then closes the log. Containers that
   * another drain already handles are left to it. Returns at once.
   */
  start(serviceId: string, containerIds: readonly string[], log: LogWriter): void {
    const busy = new Set([...this.drains].flatMap((d) => d.containerIds));
    const mine = containerIds.filter((id) => !busy.has(id));
    const drain: Drain = { serviceId, containerIds: mine, done: Promise.resolve() };
    drain.done = this.drainAndRemove(mine, log)
      .catch((error: unknown) => {
        log.line(`After the switch: ${error instanceof Error ? error.message : String(error)}`);
        this.deps.logger.warn({ err: error, serviceId }, 'could not remove the old containers after a switch');
      })
      .finally(async () => {
        this.drains.delete(drain);
        await log.close();
      });
    this.drains.add(drain);
  }

  /** True while old containers of the service drain (the janitor leaves the service alone meanwhile). */
  isDraining(serviceId: string): boolean {
    return [...this.drains].some((d) => d.serviceId === serviceId);
  }

  /** Resolves when no drain runs (tests). */
  async idle(): Promise<void> {
    while (this.drains.size > 0) await Promise.all([...this.drains].map((d) => d.done));
  }

  /** Abandons the drains (see the file comment) and waits until each has closed its log. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private async drainAndRemove(ids: readonly string[], log: LogWriter): Promise<void> {
    if (ids.length === 0) return;
    const { router, timing } = this.deps;
    const stopped = new Promise<'stopped'>((resolve) =>
      this.stopping.signal.aborted
        ? resolve('stopped')
        : this.stopping.signal.addEventListener('abort', () => resolve('stopped'), { once: true }),
    );
    const drain = await Promise.race([router.waitForDrain([...ids], timing.drainTimeoutMs), stopped]);
    if (drain === 'stopped') {
      log.line('The daemon stopped while the old containers drained; they are removed when it starts again.');
      return;
    }
    log.line(
      drain.drained
        ? `Old containers drained; stopping ${ids.length}`
        : `Drain timeout: ${drain.remaining} request(s) still open on the old containers; stopping them`,
    );
    await removeContainers({ deps: this.deps }, [...ids]);
  }
}
