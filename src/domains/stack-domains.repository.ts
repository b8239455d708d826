/** SQL for the stack_domains table only (custom domains of compose stacks, shaped like a service's). */
import type { Executor } from '../db/executor.js';
import { stackDomain, type Domain } from './domains.repository.js';

export async function listStackDomains(db: Executor, stackId: string): Promise<Domain[]> {
  const rows = await db
    .selectFrom('stack_domains')
    .selectAll()
    .where('stack_id', '=', stackId)
    .orderBy('hostname')
    .execute();
  return rows.map(stackDomain);
}

export async function insertStackDomain(
  db: Executor,
  row: { id: string; stackId: string; hostname: string },
): Promise<void> {
  await db.insertInto('stack_domains').values({ id: row.id, stack_id: row.stackId, hostname: row.hostname }).execute();
}

export async function deleteStackDomain(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('stack_domains').where('id', '=', id).execute();
}

export async function deleteDomainsOfStack(db: Executor, stackId: string): Promise<void> {
  await db.deleteFrom('stack_domains').where('stack_id', '=', stackId).execute();
}
