/**
 * `berth login` with browser approval (like a device code): the CLI asks for a login request and gets a
 * short user code (ABCD-EFGH) to show and a long poll secret to keep; a signed-in user opens the approve
 * page, checks the code and the host name the CLI sent, and approves (an API token named "berth CLI on
 * <host>" is made for *that* user) or denies. The CLI polls with the request id and the secret: the
 * token is handed over exactly once, then forgotten. The user code alone never gives the token.
 *
 * Kept in memory on purpose (no migration): a request lives ~10 minutes, the token waits only until the
 * next poll, and a restart merely makes pending logins start again. Requests per address are limited,
 * and so are all pending requests together.
 */
import { randomInt } from 'node:crypto';
import { AppError } from '../errors.js';
import { randomToken, sha256Hex, isSameSecret } from '../lib/secrets.js';

export interface CliLoginLimits {
  /** How long a request (and its code) is valid. */
  ttlMs: number;
  /** Requests one address may start per ttl window. */
  perAddress: number;
  /** Unfinished requests of everyone together. */
  maxPending: number;
  /** How often the CLI is asked to poll, in seconds. */
  pollIntervalSeconds: number;
}

export const DEFAULT_CLI_LOGIN_LIMITS: CliLoginLimits = {
  ttlMs: 10 * 60_000,
  perAddress: 10,
  maxPending: 1000,
  pollIntervalSeconds: 3,
};

type Status = 'pending' | 'approved' | 'denied';

interface LoginRequest {
  id: string;
  userCode: string;
  secretHash: string;
  host: string;
  address: string;
  createdAt: number;
  expiresAt: number;
  status: Status;
  /** Held from approval until the one poll that collects it. */
  token?: string;
  email?: string;
}

export interface StartedLogin {
  requestId: string;
  userCode: string;
  pollSecret: string;
  expiresIn: number;
  interval: number;
}

export type PollAnswer =
  | { status: 'pending'; interval: number }
  | { status: 'approved'; token: string; email: string }
  | { status: 'denied' }
  | { status: 'expired' };

export interface PendingLogin {
  userCode: string;
  host: string;
  expiresAt: string;
}

/** Makes the API token for the approving user (api-tokens.service.ts through the auth facade). */
export type TokenMaker = (userId: string, name: string) => Promise<{ token: string; email: string }>;

// No vowels (no words), no look-alikes (0/O, 1/I/L).
const CODE_ALPHABET = 'BCDFGHJKMNPQRSTVWXZ';
const HOST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
const REQUEST_ID = /^clr_[A-Za-z0-9_-]{22}$/;

/** "abcd efgh", "ABCD-EFGH" → "ABCDEFGH"; undefined for anything that cannot be a code. */
export function normalizeUserCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 20) return undefined;
  const code = raw.toUpperCase().replace(/[\s-]/g, '');
  return code.length === 8 && [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : undefined;
}

export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export class CliLogins {
  private readonly requests = new Map<string, LoginRequest>();
  private readonly byCode = new Map<string, string>();

  constructor(
    private readonly makeToken: TokenMaker,
    private readonly limits: CliLoginLimits = DEFAULT_CLI_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new request for the CLI at `address`; `rawHost` is the name it says it runs on. */
  start(rawHost: unknown, address: string): StartedLogin {
    this.sweep();
    const host = rawHost === undefined || rawHost === '' ? 'unknown host' : rawHost;
    if (typeof host !== 'string' || (host !== 'unknown host' && !HOST.test(host)))
      throw new AppError('VALIDATION_FAILED', 'host is 1 to 48 letters, digits, dots, dashes or underscores.', {
        details: { host: 'letters, digits . _ - (max 48)' },
      });
    const windowStart = this.now() - this.limits.ttlMs;
    const fromAddress = [...this.requests.values()].filter(
      (r) => r.address === address && r.createdAt > windowStart,
    ).length;
    if (fromAddress >= this.limits.perAddress || this.requests.size >= this.limits.maxPending)
      throw new AppError('RATE_LIMITED', 'Too many login requests: wait a few minutes and try again.');
    let userCode: string;
    do {
      userCode = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
    } while (this.byCode.has(userCode));
    const id = randomToken('clr_', 16);
    const pollSecret = randomToken('clp_');
    const now = this.now();
    this.requests.set(id, {
      id,
      userCode,
      secretHash: sha256Hex(pollSecret),
      host,
      address,
      createdAt: now,
      expiresAt: now + this.limits.ttlMs,
      status: 'pending',
    });
    this.byCode.set(userCode, id);
    return {
      requestId: id,
      userCode: formatUserCode(userCode),
      pollSecret,
      expiresIn: Math.round(this.limits.ttlMs / 1000),
      interval: this.limits.pollIntervalSeconds,
    };
  }

  /** The pending request behind a user code (for the approve page), or undefined. */
  find(rawCode: unknown): PendingLogin | undefined {
    const found = this.pendingByCode(rawCode);
    return found && { userCode: formatUserCode(found.userCode), host: found.host, expiresAt: iso(found.expiresAt) };
  }

  /** Approves for `userId`: makes their token now and holds it for the CLI's next poll. */
  async approve(rawCode: unknown, userId: string): Promise<{ host: string; tokenName: string }> {
    const found = this.requirePending(rawCode);
    // Claimed before the await, so a double submit cannot make two tokens.
    found.status = 'approved';
    try {
      const base = `berth CLI on ${found.host}`;
      for (let n = 1; ; n++) {
        const name = n === 1 ? base : `${base.slice(0, 61)} ${n}`;
        try {
          const made = await this.makeToken(userId, name);
          found.token = made.token;
          found.email = made.email;
          return { host: found.host, tokenName: name };
        } catch (error) {
          if (!(error instanceof AppError && error.code === 'TOKEN_NAME_TAKEN' && n < 50)) throw error;
        }
      }
    } catch (error) {
      found.status = 'pending';
      throw error;
    }
  }

  deny(rawCode: unknown): { host: string } {
    const found = this.requirePending(rawCode);
    found.status = 'denied';
    this.byCode.delete(found.userCode);
    return { host: found.host };
  }

  /** The CLI's poll: needs the request id and its secret; the token is given once, then forgotten. */
  poll(rawId: unknown, rawSecret: unknown): PollAnswer {
    const id = typeof rawId === 'string' && REQUEST_ID.test(rawId) ? rawId : undefined;
    const found = id ? this.requests.get(id) : undefined;
    if (!found) throw new AppError('NOT_FOUND', 'No such login request (it was used already, or expired long ago).');
    if (typeof rawSecret !== 'string' || !isSameSecret(sha256Hex(rawSecret), found.secretHash))
      throw new AppError('FORBIDDEN', 'The poll secret does not match this login request.');
    if (found.status === 'denied') {
      this.forget(found);
      return { status: 'denied' };
    }
    if (found.status === 'approved' && found.token) {
      const answer = { status: 'approved' as const, token: found.token, email: found.email ?? '' };
      this.forget(found);
      return answer;
    }
    if (found.expiresAt <= this.now() && found.status === 'pending') {
      this.forget(found);
      return { status: 'expired' };
    }
    return { status: 'pending', interval: this.limits.pollIntervalSeconds };
  }

  private pendingByCode(rawCode: unknown): LoginRequest | undefined {
    const code = normalizeUserCode(rawCode);
    const id = code ? this.byCode.get(code) : undefined;
    const found = id ? this.requests.get(id) : undefined;
    if (!found || found.status !== 'pending' || found.expiresAt <= this.now()) return undefined;
    return found;
  }

  private requirePending(rawCode: unknown): LoginRequest {
    const found = this.pendingByCode(rawCode);
    if (!found)
      throw new AppError(
        'NOT_FOUND',
        'No pending login with this code: it expired or was used. Run `berth login` again.',
      );
    return found;
  }

  private forget(found: LoginRequest): void {
    found.token = undefined;
    this.requests.delete(found.id);
    if (this.byCode.get(found.userCode) === found.id) this.byCode.delete(found.userCode);
  }

  /** Drops requests well past their expiry (a CLI that stopped polling), tokens included. */
  private sweep(): void {
    const cutoff = this.now() - this.limits.ttlMs;
    for (const found of this.requests.values()) if (found.expiresAt <= cutoff) this.forget(found);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
