/**
 * Login attempts in a sliding window. An attempt is counted when it starts, before any password is hashed,
 * so a burst of parallel guesses cannot all be checked before the first failure is recorded; a successful
 * or abandoned attempt is taken back. Hard limits apply per (account, address) and per address (spraying
 * many accounts); over one account from all addresses there is only a growing delay, so an attacker
 * elsewhere can slow the real owner down a little but never lock them out.
 */
export interface ThrottleLimits {
  /** Attempts (in flight or failed) of one account from one address before 429. */
  perPair: number;
  /** Attempts (in flight or failed) from one address, all accounts together, before 429. */
  perAddress: number;
  /** Failures of one account, all addresses together, after which each new attempt waits. */
  accountSlowAfter: number;
  /** The wait per failure beyond accountSlowAfter, and its cap. */
  accountDelayMs: number;
  accountMaxDelayMs: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: ThrottleLimits = {
  perPair: 5,
  perAddress: 20,
  accountSlowAfter: 5,
  accountDelayMs: 500,
  accountMaxDelayMs: 5_000,
  windowMs: 15 * 60_000,
};

/** Enough for thousands of addresses at once; beyond it the oldest attempts are forgotten first. */
const MAX_ENTRIES = 50_000;

interface Entry {
  at: number;
  account: string;
  address: string;
}

/** One counted attempt: the route settles it once the password check is over. */
export interface LoginAttempt {
  /** How long to wait before checking the password (the soft per-account delay). */
  delayMs: number;
  /** The password was right: the attempt and this pair's earlier failures no longer count. */
  succeeded(): void;
  /** The password was not checked (e.g. the server was busy): the attempt does not count. */
  abandoned(): void;
}

export type ThrottleDecision = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfterMs: number };

export class LoginThrottle {
  private entries: Entry[] = [];

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts an attempt or refuses it. Synchronous on purpose: the check and the count cannot interleave
   * with another request's. `unlockedAt` (ms) is when an operator last cleared this account (`berth admin
   * unlock`); its attempts from before then are forgotten.
   */
  begin(account: string, address: string, unlockedAt = 0): ThrottleDecision {
    this.forget(account, unlockedAt);
    const pair = this.entries.filter((e) => e.account === account && e.address === address);
    const fromAddress = this.entries.filter((e) => e.address === address);
    const waits = [this.waitFor(pair, this.limits.perPair), this.waitFor(fromAddress, this.limits.perAddress)];
    const retryAfterMs = Math.max(...waits);
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs };

    const accountFailures = this.entries.filter((e) => e.account === account).length;
    const beyond = accountFailures - this.limits.accountSlowAfter + 1;
    const delayMs = beyond > 0 ? Math.min(beyond * this.limits.accountDelayMs, this.limits.accountMaxDelayMs) : 0;
    const entry: Entry = { at: this.now(), account, address };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    return {
      allowed: true,
      attempt: {
        delayMs,
        succeeded: () => {
          this.entries = this.entries.filter((e) => e !== entry && !(e.account === account && e.address === address));
        },
        abandoned: () => {
          this.entries = this.entries.filter((e) => e !== entry);
        },
      },
    };
  }

  /** Drops what fell out of the window, and an unlocked account's attempts from before the unlock. */
  private forget(account: string, unlockedAt: number): void {
    const cutoff = this.now() - this.limits.windowMs;
    this.entries = this.entries.filter((e) => e.at > cutoff && !(e.account === account && e.at <= unlockedAt));
  }

  private waitFor(list: Entry[], limit: number): number {
    if (list.length < limit) return 0;
    // Entries are in time order: the window reopens when the oldest one that still counts expires.
    return Math.max(1, list[list.length - limit]!.at + this.limits.windowMs - this.now());
  }
}
