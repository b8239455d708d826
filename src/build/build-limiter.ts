/**
 * A first-come, first-served semaphore for builds: at most `limit` run at once, so a burst of deploys
 * cannot freeze the host. A waiter whose signal aborts leaves the queue without taking a slot.
 */
import { AppError } from '../errors.js';

interface Waiter {
  grant: () => void;
}

export class BuildLimiter {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new AppError('INTERNAL', 'The build limit must be at least 1');
  }

  /** Builds running now and builds waiting, for the panel. */
  load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.queue.length };
  }

  /** Resolves with a release function once a slot is free; `onWait` is called if it has to wait. */
  async acquire(signal?: AbortSignal, onWait?: () => void): Promise<() => void> {
    if (signal?.aborted) throw cancelled(signal);
    if (this.running < this.limit && this.queue.length === 0) {
      this.running += 1;
      return this.releaser();
    }
    onWait?.();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const index = this.queue.indexOf(waiter);
        if (index !== -1) this.queue.splice(index, 1);
        reject(cancelled(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter, so `running` stays the same.
      if (next) next.grant();
      else this.running -= 1;
    };
  }
}

function cancelled(signal: AbortSignal): AppError {
  return new AppError('DOCKER_ERROR', 'build cancelled', { cause: signal.reason });
}
