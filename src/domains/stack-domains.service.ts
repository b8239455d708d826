/**
 * Custom domains of compose stacks: the same rules as an app's (normalised name, not the panel's or under
 * the apps domain, one owner among services and stacks: 409 HOSTNAME_TAKEN), routed to the stack's routed
 * service and port. The router keys a stack's route by the stack's id, so a domain follows the routed
 * container across redeploys without more work; adding or removing one republishes at once and tells the
 * certificate manager. Deleting a stack forgets its domains (the rows go with the stack by cascade).
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId } from '../lib/ids.js';
import { findStackRow } from '../stacks/stacks.repository.js';
import { normalizeDomain } from './domain-name.js';
import type { DomainRouter } from './domain-router.js';
import type { Domain } from './domains.repository.js';
import {
  deleteDomainsOfStack,
  deleteStackDomain,
  insertStackDomain,
  listStackDomains,
} from './stack-domains.repository.js';
import { taken, type DomainListener, type DomainsService } from './domains.service.js';

export class StackDomainsService {
  constructor(
    private readonly db: Db,
    private readonly rules: Pick<DomainsService, 'assertAvailable'>,
    private readonly router: DomainRouter,
    private readonly listener: DomainListener,
  ) {}

  async list(stackId: string): Promise<Domain[]> {
    await this.stackOf(stackId);
    return this.domainsOf(stackId);
  }

  async add(stackId: string, input: { hostname?: unknown }): Promise<Domain> {
    await this.stackOf(stackId);
    if (typeof input.hostname !== 'string')
      throw new AppError('VALIDATION_FAILED', 'Give the hostname.', { details: { hostname: 'required' } });
    const hostname = normalizeDomain(input.hostname);
    await this.rules.assertAvailable(hostname);
    const id = newId('dom');
    try {
      await insertStackDomain(this.db, { id, stackId, hostname });
    } catch (error) {
      // Two requests racing for one name: the unique index decides.
      if (String((error as Error).message).includes('UNIQUE')) throw taken(hostname);
      throw error;
    }
    await this.republish(stackId);
    this.listener.domainsAdded([hostname]);
    return (await this.domainsOf(stackId)).find((d) => d.id === id)!;
  }

  /** The undo of add: the name stops routing at once; returns it. */
  async remove(stackId: string, domainId: string): Promise<string> {
    const domain = (await this.list(stackId)).find((d) => d.id === domainId);
    if (!domain) throw new AppError('NOT_FOUND', `The stack has no domain with id "${domainId}".`);
    await deleteStackDomain(this.db, domainId);
    await this.republish(stackId);
    this.listener.domainsRemoved([domain.hostname]);
    return domain.hostname;
  }

  /** The stack is being deleted: its names stop routing and their certificates are no longer kept. */
  async forgetStack(stackId: string): Promise<string[]> {
    const hostnames = (await this.domainsOf(stackId)).map((d) => d.hostname);
    await deleteDomainsOfStack(this.db, stackId);
    this.router.setDomains(stackId, []);
    if (hostnames.length > 0) this.listener.domainsRemoved(hostnames);
    return hostnames;
  }

  private async republish(stackId: string): Promise<void> {
    this.router.setDomains(stackId, await this.domainsOf(stackId));
  }

  private domainsOf(stackId: string): Promise<Domain[]> {
    return listStackDomains(this.db, stackId);
  }

  private async stackOf(stackId: string): Promise<void> {
    if (!(await findStackRow(this.db, stackId))) throw new AppError('NOT_FOUND', 'No such stack.');
  }
}
