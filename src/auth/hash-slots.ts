/**
 * A small counting semaphore for password hashing. bcrypt runs on libuv's thread pool, which file reads,
 * DNS and zlib share: without a cap, a burst of logins queues hundreds of hashes there and a static file
 * waits seconds behind them. Callers beyond the cap wait briefly in order; when too many wait, or the wait
 * runs out, they get RATE_LIMITED instead of piling up.
 */
import { AppError } from '../errors.js';

export interface SlotLimits {
  concurrent: number;
  maxQueued: number;
  maxWaitMs: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

export class HashSlots {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: SlotLimits) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limits.concurrent) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueued) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(busy());
        }, this.limits.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next.grant();
    else this.active--;
  }
}

function busy(): AppError {
  return new AppError('RATE_LIMITED', 'Berth is busy checking other logins. Try again in a few seconds.');
}
