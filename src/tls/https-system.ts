/**
 * HTTPS for the composition root: the certificate manager and its SNI map, the proxy's host policy
 * (redirects, HSTS), the panel's own route on BERTH_PANEL_DOMAIN, the HTTPS listener and the periodic
 * certificate check. The custom domains it serves come through the ServedDomains port (the domains
 * feature implements it; tls never imports a feature).
 */
import type { EventPublisher } from '../events/event-bus.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Http2SecureServer } from 'node:http2';
import type { Server } from 'node:https';
import type { Config } from '../config.js';
import { readOrCreateKeyFile } from './account-key.js';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AppProxy } from '../proxy/proxy-server.js';
import type { RouteTable } from '../proxy/route-table.js';
import { createAccountKey } from './acme.js';
import { CertificateFiles } from './certificate-files.js';
import { CertificateManager } from './certificate-manager.js';
import { createHostPolicy, type HostRule } from './host-policy.js';
import { listenHttps } from './https-listener.js';
import type { RetryTiming } from './order-failure.js';
import { FALLBACK_NAME, SniContexts } from './sni-contexts.js';

export interface CertificateTiming extends RetryTiming {
  /** Cron expression of the renewal check (node-cron; six fields allow seconds). */
  checkSchedule: string;
  /** How fast an order's status is polled at the CA. */
  pollMinMs: number;
  pollMaxMs: number;
}

export const DEFAULT_CERTIFICATE_TIMING: CertificateTiming = {
  retryBaseMs: 60_000,
  retryMaxMs: 6 * 3600_000,
  checkSchedule: '*/10 * * * *',
  pollMinMs: 1000,
  pollMaxMs: 10_000,
};

export const PANEL_ROUTE_ID = 'berth-panel';

/** What HTTPS needs from the custom domains: the composition root passes the domains feature's answers. */
export interface ServedDomains {
  /** Every custom hostname (certificates are ordered for these and the panel's domain only). */
  hostnames(): Promise<string[]>;
  /** The redirect and HSTS rule of a hostname, for the proxy's host policy. */
  ruleOf(hostname: string): HostRule | undefined;
  /** Re-reads the domains into the router: at start and before each periodic check. */
  reload(): Promise<void>;
}

/** A scheduled job (the shape the scheduler runs). */
export interface CertificateCheckJob {
  name: string;
  schedule: string;
  run(): Promise<void>;
}

export class HttpsSystem {
  readonly certificates: CertificateManager;
  readonly contexts: SniContexts;
  readonly hostPolicy;
  private server: Server | Http2SecureServer | undefined;
  private isElsewhere = false;

  constructor(
    private readonly config: Config,
    db: Db,
    private readonly routes: RouteTable,
    private readonly served: ServedDomains,
    private readonly logger: Logger,
    private readonly timing: CertificateTiming = DEFAULT_CERTIFICATE_TIMING,
    events?: EventPublisher,
  ) {
    const certificateFiles = new CertificateFiles(join(config.dataDir, 'certs'));
    this.contexts = new SniContexts((name) => this.certificates.isServedName(name), logger, {
      read: () => certificateFiles.read(FALLBACK_NAME),
      write: (pair) => certificateFiles.write(FALLBACK_NAME, pair),
    });
    const keyFile = join(config.dataDir, 'secrets', 'acme-account.key');
    let extraCa: Promise<string | undefined> | undefined;
    const readExtraCa = () =>
      (extraCa ??= config.acmeCaFile
        ? readFile(config.acmeCaFile, 'utf8').catch((error: Error) => {
            extraCa = undefined;
            throw new AppError('CONFIG_INVALID', `BERTH_ACME_CA_FILE cannot be read: ${error.message}`);
          })
        : Promise.resolve(undefined));
    this.certificates = new CertificateManager({
      db,
      servedHostnames: () => served.hostnames(),
      files: certificateFiles,
      contexts: this.contexts,
      acme: {
        directoryUrl: config.acmeDirectory,
        email: config.acmeEmail,
        pollMinMs: timing.pollMinMs,
        pollMaxMs: timing.pollMaxMs,
      },
      extraCa: readExtraCa,
      accountKey: () => readOrCreateKeyFile(keyFile, createAccountKey),
      panelDomain: config.panelDomain,
      timing,
      logger,
      onStatus: (hostname, status) => events?.publish({ type: 'certificate', hostname, status }),
    });
    this.hostPolicy = createHostPolicy({
      rule: (hostname) => served.ruleOf(hostname),
      hasValidCertificate: (hostname) => this.certificates.hasValidCertificate(hostname),
      httpsPort: config.httpsPort,
    });
  }

  /** Loads domains and certificates, routes the panel's domain; before the deploys recover their routes. */
  async load(): Promise<void> {
    await this.served.reload();
    if (this.config.panelDomain) {
      const host = loopbackOf(this.config.panelHost);
      this.routes.setRoute([this.config.panelDomain], PANEL_ROUTE_ID, [
        { id: PANEL_ROUTE_ID, host, port: this.config.panelPort },
      ]);
    }
    await this.certificates.start();
  }

  /** The HTTPS listener; a failure is logged and the rest of Berth keeps running. */
  async listen(proxy: AppProxy): Promise<void> {
    try {
      this.server = await listenHttps(proxy, this.contexts, this.config.httpsPort, this.config.proxyHost);
      this.logger.info({ port: this.config.httpsPort }, 'app proxy listening (https)');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      this.logger.error({ port: this.config.httpsPort, reason: code }, 'the HTTPS listener is not running');
    }
  }

  /** The host policy's inputs per served name, for a proxy in its own process (it gets them pushed). */
  hostRules(): Array<{ hostname: string; redirectTo: string | null; hsts: boolean; https: boolean }> {
    return this.certificates.servedNames().map((hostname) => {
      const rule = this.served.ruleOf(hostname);
      return {
        hostname,
        redirectTo: rule?.redirectTo ?? null,
        hsts: rule?.hsts ?? false,
        https: this.certificates.hasValidCertificate(hostname),
      };
    });
  }

  /** The proxy's own process tree listens on the HTTPS port (BERTH_PROXY_MODE=process), not this one. */
  listensElsewhere(): void {
    this.isElsewhere = true;
  }

  httpsPort(): number | undefined {
    if (this.isElsewhere) return this.config.httpsPort;
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /** ":8443" when HTTPS is not on 443, for URLs shown to people. */
  httpsPortSuffix(): string {
    return this.config.httpsPort === 443 ? '' : `:${this.config.httpsPort}`;
  }

  httpPortSuffix(): string {
    return this.config.httpPort === 80 ? '' : `:${this.config.httpPort}`;
  }

  checkJob(): CertificateCheckJob {
    return {
      name: 'certificates',
      schedule: this.timing.checkSchedule,
      run: async () => {
        await this.served.reload();
        await this.certificates.check();
      },
    };
  }

  close(): Promise<void> {
    return this.certificates.close();
  }
}

function loopbackOf(listenHost: string): string {
  if (listenHost === '0.0.0.0' || listenHost === 'localhost') return '127.0.0.1';
  if (listenHost === '::') return '::1';
  return listenHost;
}
