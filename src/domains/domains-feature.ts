/**
 * The custom-domains feature as the composition root assembles it: the domain-aware router the deploys
 * switch through, the domain rules, the DNS check, and the certificates HTTPS keeps for them. HTTPS gets
 * what it needs from here through its ServedDomains port (tls never builds or imports this feature).
 */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { RouteTable } from '../proxy/route-table.js';
import type { CertificateManager } from '../tls/certificate-manager.js';
import type { HttpsSystem, ServedDomains } from '../tls/https-system.js';
import { checkDns, type DnsCheckResult } from './dns-check.js';
import { DomainRouter } from './domain-router.js';
import { listAllDomains } from './domains.repository.js';
import { DomainsService } from './domains.service.js';
import { StackDomainsService } from './stack-domains.service.js';

/** What the HTTP layer (and lifecycle) use of domains and their certificates. */
export interface DomainsFeature {
  readonly router: DomainRouter;
  readonly domains: DomainsService;
  /** Custom domains of compose stacks (same rules, routed to the stack's routed service). */
  readonly stackDomains: StackDomainsService;
  readonly certificates: CertificateManager;
  checkDns(hostname: string): Promise<DnsCheckResult>;
  /** The HTTPS listener's port, when it listens. */
  httpsPort(): number | undefined;
  httpsPortSuffix(): string;
  httpPortSuffix(): string;
}

/** The router first: HTTPS's host policy and the deploys need it before the domains service exists. */
export function createDomainRouter(routes: RouteTable): DomainRouter {
  return new DomainRouter(routes);
}

/** The port HTTPS reads custom domains through. */
export function servedDomainsOf(db: Db, router: DomainRouter, reload: () => Promise<unknown>): ServedDomains {
  return {
    hostnames: async () => (await listAllDomains(db)).map((domain) => domain.hostname),
    ruleOf: (hostname) => router.ruleOf(hostname),
    reload: async () => {
      await reload();
    },
  };
}

export function createDomainsFeature(parts: {
  db: Db;
  config: Config;
  router: DomainRouter;
  https: HttpsSystem;
}): DomainsFeature {
  const { db, config, router, https } = parts;
  const domains = new DomainsService(db, config, router, https.certificates);
  return {
    router,
    domains,
    stackDomains: new StackDomainsService(db, domains, router, https.certificates),
    certificates: https.certificates,
    checkDns: (hostname) => checkDns(hostname, { resolver: config.dnsResolver, publicIps: config.publicIps }),
    httpsPort: () => https.httpsPort(),
    httpsPortSuffix: () => https.httpsPortSuffix(),
    httpPortSuffix: () => https.httpPortSuffix(),
  };
}
