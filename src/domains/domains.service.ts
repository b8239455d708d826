/**
 * The rules for custom domains: a name is normalised and validated, may not be the panel's or an
 * automatic apps-domain name, and belongs to at most one service (409 HOSTNAME_TAKEN). Adding or removing
 * one changes the proxy's routes at once and tells the certificate manager which names it may order.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { Executor } from '../db/executor.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { getAppService } from '../projects/services.service.js';
import { normalizeDomain, wwwTwinOf } from './domain-name.js';
import type { DomainRouter } from './domain-router.js';
import {
  deleteDomainWithTwins,
  findDomain,
  findDomainByHostname,
  insertDomains,
  listAllDomains,
  listDomainsOfServices,
  listServiceDomains,
  type Domain,
} from './domains.repository.js';

export interface AddDomainInput {
  hostname: string;
  /** Container port; default: the service's port. */
  port?: number | null;
  /** Also add the www/apex twin of the name, answering with a redirect to it. */
  redirectTwin?: boolean;
  hsts?: boolean;
}

/** What the domain rules need to hear about: the certificate manager implements it. */
export interface DomainListener {
  domainsAdded(hostnames: string[]): void;
  domainsRemoved(hostnames: string[]): void;
}

export class DomainsService {
  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'panelDomain' | 'appsDomain'>,
    private readonly router: DomainRouter,
    private readonly listener: DomainListener,
  ) {}

  /** Reads every domain into the router (at start, and on the periodic check after deletions by cascade). */
  async reload(): Promise<Domain[]> {
    const all = await listAllDomains(this.db);
    this.router.loadDomains(all);
    return all;
  }

  async list(serviceId: string): Promise<Domain[]> {
    await getAppService(this.db, serviceId);
    return listServiceDomains(this.db, serviceId);
  }

  /** Domains by service, for services the caller already read (one query, not one per service). */
  async listByService(serviceIds: readonly string[]): Promise<Map<string, Domain[]>> {
    const byService = new Map<string, Domain[]>(serviceIds.map((id) => [id, []]));
    for (const domain of await listDomainsOfServices(this.db, serviceIds))
      byService.get(domain.serviceId)?.push(domain);
    return byService;
  }

  async get(id: string): Promise<Domain> {
    const domain = await findDomain(this.db, id);
    if (!domain) throw new AppError('NOT_FOUND', `No domain with id "${id}".`);
    return domain;
  }

  /** Adds the name (and its twin when asked); returns the rows created, the requested name first. */
  async add(serviceId: string, input: AddDomainInput): Promise<Domain[]> {
    await getAppService(this.db, serviceId);
    const hostname = normalizeDomain(input.hostname);
    const port = input.port ?? null;
    if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new AppError('VALIDATION_FAILED', 'The port must be a number from 1 to 65535.', {
        details: { port: 'must be a number from 1 to 65535' },
      });
    }
    const rows: Omit<Domain, 'createdAt'>[] = [
      { id: newId('dom'), serviceId, hostname, port, redirectTo: null, hsts: input.hsts === true },
    ];
    if (input.redirectTwin) {
      const twin = normalizeDomain(wwwTwinOf(hostname));
      rows.push({ id: newId('dom'), serviceId, hostname: twin, port, redirectTo: hostname, hsts: input.hsts === true });
    }
    for (const row of rows) await this.assertAvailable(row.hostname);
    try {
      await insertDomains(this.db, rows);
    } catch (error) {
      // Two requests racing for one name: the unique index decides.
      if (String((error as Error).message).includes('UNIQUE')) throw taken(hostname);
      throw error;
    }
    await this.republish(serviceId);
    this.listener.domainsAdded(rows.map((r) => r.hostname));
    return (await listServiceDomains(this.db, serviceId)).filter((d) => rows.some((r) => r.id === d.id));
  }

  /** Removes the domain and a twin redirecting to it; returns the hostnames that stopped routing. */
  async remove(id: string): Promise<string[]> {
    const domain = await this.get(id);
    const removed = await deleteDomainWithTwins(this.db, domain);
    await this.republish(domain.serviceId);
    this.listener.domainsRemoved(removed);
    return removed;
  }

  /**
   * The checks and rows of `add` (no twin, default port) on `db`, a caller's transaction (project as code):
   * nothing routes them until `publish` runs after that transaction commits.
   */
  async insertRows(db: Executor, serviceId: string, rawHostname: string): Promise<string> {
    const hostname = normalizeDomain(rawHostname);
    await this.assertAvailable(hostname, db);
    const row = { id: newId('dom'), serviceId, hostname, port: null, redirectTo: null, hsts: false };
    await insertDomains(db, [row]);
    return hostname;
  }

  /** The rows of `remove` on `db`, a caller's transaction; returns the hostnames for `publish`. */
  async deleteRows(db: Executor, id: string): Promise<string[]> {
    const domain = await findDomain(db, id);
    if (!domain) throw new AppError('NOT_FOUND', `No domain with id "${id}".`);
    return deleteDomainWithTwins(db, domain);
  }

  /** After `insertRows`/`deleteRows` committed: routes the service's domains as stored, then certificates. */
  async publish(serviceId: string, added: string[], removed: string[]): Promise<void> {
    await this.republish(serviceId);
    if (removed.length > 0) this.listener.domainsRemoved(removed);
    if (added.length > 0) this.listener.domainsAdded(added);
  }

  private async republish(serviceId: string): Promise<void> {
    this.router.setDomains(serviceId, await listServiceDomains(this.db, serviceId));
  }

  /** Refuses the panel's name, names under the apps domain, and a name an app service or a stack has. */
  async assertAvailable(hostname: string, db: Executor = this.db): Promise<void> {
    if (hostname === this.config.panelDomain) {
      throw new AppError('HOSTNAME_TAKEN', `${hostname} is the panel's domain (BERTH_PANEL_DOMAIN).`, {
        details: { hostname: "is the panel's domain" },
      });
    }
    if (hostname === this.config.appsDomain || hostname.endsWith(`.${this.config.appsDomain}`)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Names under ${this.config.appsDomain} (BERTH_APPS_DOMAIN) are given to services automatically; pick another domain.`,
        { details: { hostname: 'is under the apps domain' } },
      );
    }
    if (await findDomainByHostname(db, hostname)) throw taken(hostname);
  }
}

export function taken(hostname: string): AppError {
  return new AppError('HOSTNAME_TAKEN', `${hostname} already belongs to a service or stack. Remove it there first.`, {
    details: { hostname: 'already belongs to a service or stack' },
  });
}
