/**
 * What repository functions run their queries on: the database itself or an open transaction. A service
 * that must make several writes atomic opens one with `inTransaction` and passes it to each repository
 * call; a repository that needs its own transaction uses `inTransaction` too, so it joins the caller's.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/** Runs `work` in a transaction: the one `executor` already is, or a new one committed when `work` returns. */
export function inTransaction<T>(executor: Executor, work: (trx: Executor) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return work(executor);
  return executor.transaction().execute(work);
}
