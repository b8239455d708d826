/** SQL for the domains table only. */
import type { Selectable } from 'kysely';
import { inTransaction, type Executor } from '../db/executor.js';
import type { DomainsTable, StackDomainsTable } from '../db/schema.js';

export interface Domain {
  id: string;
  serviceId: string;
  hostname: string;
  /** null: the service's own port. */
  port: number | null;
  /** Set on a www/apex twin that answers with a redirect to this hostname. */
  redirectTo: string | null;
  hsts: boolean;
  createdAt: string;
}

function toDomain(row: Selectable<DomainsTable>): Domain {
  return {
    id: row.id,
    serviceId: row.service_id,
    hostname: row.hostname,
    port: row.port,
    redirectTo: row.redirect_to,
    hsts: row.hsts === 1,
    createdAt: row.created_at,
  };
}

/** Every custom domain: of app services, and of compose stacks (keyed by the stack's id, as its route is). */
export async function listAllDomains(db: Executor): Promise<Domain[]> {
  const services = (await db.selectFrom('domains').selectAll().orderBy('hostname').execute()).map(toDomain);
  const stacks = (await db.selectFrom('stack_domains').selectAll().orderBy('hostname').execute()).map(stackDomain);
  return [...services, ...stacks].sort((a, b) => a.hostname.localeCompare(b.hostname));
}

/** A stack's domain in the shape of a service's: routed on the stack's own port, no redirect, no HSTS. */
export function stackDomain(row: Selectable<StackDomainsTable>): Domain {
  return {
    id: row.id,
    serviceId: row.stack_id,
    hostname: row.hostname,
    port: null,
    redirectTo: null,
    hsts: false,
    createdAt: row.created_at,
  };
}

export async function listServiceDomains(db: Executor, serviceId: string): Promise<Domain[]> {
  const rows = await db.selectFrom('domains').selectAll().where('service_id', '=', serviceId).orderBy('hostname');
  return (await rows.execute()).map(toDomain);
}

/** The domains of several services in one query (a project page lists them all). */
export async function listDomainsOfServices(db: Executor, serviceIds: readonly string[]): Promise<Domain[]> {
  if (serviceIds.length === 0) return [];
  const rows = await db.selectFrom('domains').selectAll().where('service_id', 'in', serviceIds).orderBy('hostname');
  return (await rows.execute()).map(toDomain);
}

export async function findDomain(db: Executor, id: string): Promise<Domain | undefined> {
  const row = await db.selectFrom('domains').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDomain(row);
}

/** The domain of that name, an app service's or a compose stack's (a name belongs to one of them). */
export async function findDomainByHostname(db: Executor, hostname: string): Promise<Domain | undefined> {
  const row = await db.selectFrom('domains').selectAll().where('hostname', '=', hostname).executeTakeFirst();
  if (row) return toDomain(row);
  const stackRow = await db.selectFrom('stack_domains').selectAll().where('hostname', '=', hostname).executeTakeFirst();
  return stackRow && stackDomain(stackRow);
}

export async function insertDomains(db: Executor, domains: readonly Omit<Domain, 'createdAt'>[]): Promise<void> {
  await inTransaction(db, async (trx) => {
    for (const d of domains) {
      await trx
        .insertInto('domains')
        .values({
          id: d.id,
          service_id: d.serviceId,
          hostname: d.hostname,
          port: d.port,
          redirect_to: d.redirectTo,
          hsts: d.hsts ? 1 : 0,
        })
        .execute();
    }
  });
}

/** Deletes the domain and any twin that redirects to it; returns the hostnames removed. */
export async function deleteDomainWithTwins(db: Executor, domain: Domain): Promise<string[]> {
  return inTransaction(db, async (trx) => {
    const twins = await trx
      .selectFrom('domains')
      .select('hostname')
      .where('service_id', '=', domain.serviceId)
      .where('redirect_to', '=', domain.hostname)
      .execute();
    const hostnames = [domain.hostname, ...twins.map((t) => t.hostname)];
    await trx.deleteFrom('domains').where('hostname', 'in', hostnames).execute();
    return hostnames;
  });
}
