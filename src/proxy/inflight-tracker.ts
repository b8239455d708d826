/**
 * Counts the requests and WebSocket connections each upstream is serving right now, so a deploy can wait
 * for the old containers to finish their work before it stops them (drain). The hot path is one Map
 * update per request; waiters are only consulted while a drain is actually in progress.
 */

export interface DrainResult {
  /** True when every upstream reached zero in-flight work before the timeout. */
  drained: boolean;
  /** Requests and connections still open on those upstreams when the wait ended (0 when drained). */
  remaining: number;
}

interface DrainWaiter {
  upstreamIds: ReadonlySet<string>;
  finish(): void;
}

export class InflightTracker {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Set<DrainWaiter>();

  begin(upstreamId: string): void {
    this.counts.set(upstreamId, (this.counts.get(upstreamId) ?? 0) + 1);
  }

  end(upstreamId: string): void {
    const next = (this.counts.get(upstreamId) ?? 1) - 1;
    if (next > 0) {
      this.counts.set(upstreamId, next);
      return;
    }
    // Deleting (not storing 0) keeps the map from growing with every container that ever existed.
    this.counts.delete(upstreamId);
    if (this.waiters.size > 0) this.notify();
  }

  count(upstreamId: string): number {
    return this.counts.get(upstreamId) ?? 0;
  }

  total(upstreamIds: Iterable<string>): number {
    let sum = 0;
    for (const id of upstreamIds) sum += this.counts.get(id) ?? 0;
    return sum;
  }

  /**
   * Resolves once the given upstreams have no in-flight work and `isStillRouted` says none of them can
   * receive new work, or when the timeout passes. Never rejects.
   */
  waitForDrain(
    upstreamIds: readonly string[],
    timeoutMs: number,
    isStillRouted: (upstreamId: string) => boolean = () => false,
  ): Promise<DrainResult> {
    const ids = new Set(upstreamIds);
    const isDone = () => this.total(ids) === 0 && ![...ids].some(isStillRouted);
    if (isDone()) return Promise.resolve({ drained: true, remaining: 0 });

    return new Promise((resolve) => {
      const waiter: DrainWaiter = {
        upstreamIds: ids,
        finish: () => {
          if (!isDone()) return;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve({ drained: true, remaining: 0 });
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve({ drained: false, remaining: this.total(ids) });
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Re-checks every waiter: after a request ends or the routes change. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter.finish();
  }
}
