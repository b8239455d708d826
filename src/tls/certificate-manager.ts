/**
 * Keeps a valid certificate for every name Berth serves (custom domains in the database and the panel's
 * domain), and for nothing else: a Host header or SNI name alone never causes an order.
 *
 * - Orders run one at a time through one queue (the CA sees one client, rate limits stay far away).
 * - Renewal starts when a third of the lifetime is left; check() runs at start and on a schedule.
 * - A failure keeps the current certificate in service, records the reason in words, and schedules the
 *   next try with a growing wait (honouring Retry-After). "Renew now" skips the wait.
 * - A new certificate is written (0600) and then swapped into the SNI map: no handshake fails.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import type { Logger } from '../logger.js';
import { orderCertificate, type AcmeSettings } from './acme.js';
import { certificateInfo, type CertificateFiles, type CertificateInfo } from './certificate-files.js';
import {
  deleteCertificate,
  findCertificate,
  listCertificates,
  saveCertificate,
  type CertificateRecord,
} from './certificates.repository.js';
import { explainOrderFailure, retryDelayMs, type RetryTiming } from './order-failure.js';
import type { SniContexts } from './sni-contexts.js';

export interface CertificateStatus extends CertificateRecord {
  /** An order for this name is queued or running. */
  ordering: boolean;
}

export interface CertificateManagerDeps {
  db: Db;
  /** Every custom hostname Berth serves (the domains feature answers; the composition root wires it). */
  servedHostnames: () => Promise<string[]>;
  files: CertificateFiles;
  contexts: SniContexts;
  acme: Omit<AcmeSettings, 'extraCaPem'>;
  /** Extra CA certificates to trust for the directory (BERTH_ACME_CA_FILE), read when first needed. */
  extraCa: () => Promise<string | undefined>;
  /** Reads (or creates) the ACME account key. */
  accountKey: () => Promise<string>;
  panelDomain: string | undefined;
  timing: RetryTiming;
  logger: Logger;
  /** Told when a certificate's status was saved (the panel's live pages). */
  onStatus?: (hostname: string, status: 'pending' | 'ordering' | 'issued' | 'failed') => void;
}

/** Hears about added and removed custom domains (the domains feature's DomainListener). */
export class CertificateManager {
  private names = new Set<string>();
  private readonly valid = new Map<string, CertificateInfo>();
  private readonly tokens = new Map<string, { hostname: string; keyAuthorization: string }>();
  private readonly queued = new Set<string>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Told when an HTTP-01 answer is added or removed (a proxy in its own process gets them pushed). */
  onChallenge: ((token: string, entry: { hostname: string; keyAuthorization: string } | undefined) => void) | undefined;

  constructor(private readonly deps: CertificateManagerDeps) {}

  /** Every name certificates are kept for (custom domains and the panel's domain). */
  servedNames(): string[] {
    return [...this.names];
  }

  /** The HTTP-01 answers of orders in progress. */
  challenges(): Array<{ token: string; hostname: string; keyAuthorization: string }> {
    return [...this.tokens].map(([token, entry]) => ({ token, ...entry }));
  }

  /** Serves the certificates on disk at once, then orders what is missing or due (in the background). */
  async start(): Promise<void> {
    await this.loadNames();
    for (const hostname of this.names) await this.loadFromDisk(hostname);
    this.check().catch((error: unknown) => this.deps.logger.error({ err: error }, 'certificate check failed'));
  }

  isServedName(hostname: string): boolean {
    return this.names.has(hostname);
  }

  /** A certificate from the CA is installed for the name and has not expired. */
  hasValidCertificate(hostname: string): boolean {
    const info = this.valid.get(hostname);
    return info !== undefined && info.notAfter.getTime() > Date.now();
  }

  /** Answers HTTP-01 for the tokens of orders in progress, only for the name the token was issued for. */
  readonly challengeResponder = (token: string, hostname: string | undefined): string | undefined => {
    const entry = this.tokens.get(token);
    if (!entry || (hostname !== undefined && hostname !== entry.hostname)) return undefined;
    return entry.keyAuthorization;
  };

  async status(hostname: string): Promise<CertificateStatus> {
    const record = (await findCertificate(this.deps.db, hostname)) ?? emptyRecord(hostname);
    return { ...record, ordering: this.queued.has(hostname) };
  }

  /** Reloads the served names and orders every certificate that is missing or due for renewal. */
  async check(): Promise<void> {
    if (this.closed) return;
    await this.loadNames();
    if (this.closed) return;
    const records = new Map((await listCertificates(this.deps.db)).map((r) => [r.hostname, r]));
    for (const hostname of this.names) {
      const record = records.get(hostname);
      const waiting = record?.nextRetryAt && Date.parse(record.nextRetryAt) > Date.now();
      if (waiting || this.queued.has(hostname)) continue;
      if (this.isDue(hostname)) this.enqueue(hostname);
    }
  }

  /** Orders now, skipping a scheduled retry's wait. */
  async renewNow(hostname: string): Promise<CertificateStatus> {
    if (!this.names.has(hostname)) throw new AppError('NOT_FOUND', `${hostname} is not a domain Berth serves.`);
    this.clearRetry(hostname);
    await saveCertificate(this.deps.db, hostname, { nextRetryAt: null });
    this.enqueue(hostname);
    return this.status(hostname);
  }

  domainsAdded(hostnames: string[]): void {
    for (const hostname of hostnames) {
      this.names.add(hostname);
      this.enqueue(hostname);
    }
  }

  domainsRemoved(hostnames: string[]): void {
    for (const hostname of hostnames) {
      this.forget(hostname).catch((error: unknown) =>
        this.deps.logger.error({ err: error, hostname }, 'could not forget a certificate'),
      );
    }
  }

  /** Waits for orders in progress (used by tests and shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Stops scheduling and waits (a few seconds at most) for the order in progress, before the database closes. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)));
    await Promise.race([this.queue, limit]);
    clearTimeout(timer);
  }

  private isDue(hostname: string): boolean {
    const info = this.valid.get(hostname);
    if (!info) return true;
    const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
    return info.notAfter.getTime() - Date.now() <= lifetime / 3;
  }

  private enqueue(hostname: string): void {
    if (this.closed || this.queued.has(hostname)) return;
    this.queued.add(hostname);
    this.queue = this.queue
      .then(() => this.attempt(hostname))
      .catch((error: unknown) => this.deps.logger.error({ err: error, hostname }, 'certificate order crashed'))
      .finally(() => this.queued.delete(hostname));
  }

  private async attempt(hostname: string): Promise<void> {
    // Re-checked at the last moment: the domain may have been removed while the order waited.
    if (this.closed || !this.names.has(hostname)) return;
    const { db, logger } = this.deps;
    const previous = await findCertificate(db, hostname);
    await saveCertificate(db, hostname, { lastAttemptAt: nowIso(), ...(previous ? {} : { status: 'pending' }) });
    // Every attempt is announced (a retry or "Renew now" too), so an open page shows "requesting…" at once.
    this.deps.onStatus?.(hostname, previous ? 'ordering' : 'pending');
    logger.info({ hostname, directory: this.deps.acme.directoryUrl }, 'ordering a certificate');
    try {
      const settings = { ...this.deps.acme, extraCaPem: await this.deps.extraCa() };
      const pair = await orderCertificate(settings, await this.deps.accountKey(), hostname, {
        set: (token, keyAuthorization) => {
          this.tokens.set(token, { hostname, keyAuthorization });
          this.onChallenge?.(token, { hostname, keyAuthorization });
        },
        remove: (token) => {
          this.tokens.delete(token);
          this.onChallenge?.(token, undefined);
        },
      });
      // Shut down or removed while the CA worked: the database may be closed, the name no longer ours.
      if (this.closed || !this.names.has(hostname)) return;
      const info = certificateInfo(pair.certPem);
      await this.deps.files.write(hostname, pair);
      this.deps.contexts.install(hostname, pair);
      this.valid.set(hostname, info);
      await saveCertificate(db, hostname, {
        status: 'issued',
        issuer: info.issuer,
        notBefore: info.notBefore.toISOString(),
        notAfter: info.notAfter.toISOString(),
        lastError: null,
        failures: 0,
        nextRetryAt: null,
      });
      this.deps.onStatus?.(hostname, 'issued');
      logger.info({ hostname, notAfter: info.notAfter.toISOString(), issuer: info.issuer }, 'certificate issued');
    } catch (error) {
      if (this.closed) return;
      const failures = (previous?.failures ?? 0) + 1;
      const delay = retryDelayMs(failures, this.deps.timing, error);
      const reason = explainOrderFailure(error, hostname, this.deps.acme.directoryUrl);
      const status = this.hasValidCertificate(hostname) ? 'issued' : 'failed';
      await saveCertificate(db, hostname, {
        status,
        lastError: reason,
        failures,
        nextRetryAt: new Date(Date.now() + delay).toISOString(),
      });
      this.deps.onStatus?.(hostname, status);
      logger.warn({ hostname, failures, retryInMs: delay, reason }, 'certificate order failed');
      this.scheduleRetry(hostname, delay);
    }
  }

  private scheduleRetry(hostname: string, delay: number): void {
    this.clearRetry(hostname);
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(hostname);
      this.enqueue(hostname);
    }, delay);
    timer.unref();
    this.retryTimers.set(hostname, timer);
  }

  private clearRetry(hostname: string): void {
    clearTimeout(this.retryTimers.get(hostname));
    this.retryTimers.delete(hostname);
  }

  private async loadNames(): Promise<void> {
    const names = new Set(await this.deps.servedHostnames());
    if (this.deps.panelDomain) names.add(this.deps.panelDomain);
    // Deleted by cascade (a whole service went away): stop serving and forget the files.
    for (const old of this.names) if (!names.has(old)) await this.forget(old);
    for (const name of names) if (!this.names.has(name)) await this.loadFromDisk(name);
    this.names = names;
  }

  private async loadFromDisk(hostname: string): Promise<void> {
    const pair = await this.deps.files.read(hostname);
    if (!pair) return;
    try {
      const info = certificateInfo(pair.certPem);
      if (info.notAfter.getTime() <= Date.now()) return;
      this.deps.contexts.install(hostname, pair);
      this.valid.set(hostname, info);
    } catch (error) {
      this.deps.logger.warn({ err: error, hostname }, 'ignoring an unreadable certificate file');
    }
  }

  private async forget(hostname: string): Promise<void> {
    this.names.delete(hostname);
    this.valid.delete(hostname);
    this.clearRetry(hostname);
    this.deps.contexts.remove(hostname);
    await this.deps.files.remove(hostname);
    if (!this.closed) await deleteCertificate(this.deps.db, hostname);
  }
}

function emptyRecord(hostname: string): CertificateRecord {
  return {
    hostname,
    status: 'pending',
    issuer: null,
    notBefore: null,
    notAfter: null,
    lastError: null,
    failures: 0,
    lastAttemptAt: null,
    nextRetryAt: null,
  };
}
