/**
 * SQLite waits for a lock by sleeping inside the calling thread, and better-sqlite3 runs on the thread
 * that serves every request (the app proxy included): with a long busy timeout, another process holding
 * a write lock (a `berth` CLI command, a backup, an operator's `sqlite3`) froze the whole daemon. So the
 * connection waits at most BUSY_TIMEOUT_MS in SQLite, and a statement that still finds the database
 * locked is tried again later, asynchronously, with the event loop free in between. When the lock
 * outlasts the retry budget, the statement fails with AppError STATE_DB_BUSY (503, "database busy, retry").
 */
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';
import { AppError } from '../errors.js';

/** How long SQLite itself may block the thread on one attempt (the `busy_timeout` pragma). */
export const BUSY_TIMEOUT_MS = 10;
/** How long a statement keeps being retried before the caller gets STATE_DB_BUSY. */
export const DEFAULT_RETRY_BUDGET_MS = 3_000;
const MAX_DELAY_MS = 200;

export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function busyError(cause: unknown): AppError {
  return new AppError(
    'STATE_DB_BUSY',
    "Berth's database is busy (another process holds a write lock on it); retry in a moment.",
    { cause },
  );
}

/** The disk under the data dir is full: AppError DISK_FULL (507), in words (lib/disk-space.ts uses it too). */
export function diskFullError(cause?: unknown): AppError {
  return new AppError(
    'DISK_FULL',
    "The disk of Berth's data dir is full (ENOSPC): nothing could be saved. Free some space and retry; " +
      'reading keeps working meanwhile.',
    { cause },
  );
}

const isSqliteFull = (error: unknown) => (error as { code?: unknown } | undefined)?.code === 'SQLITE_FULL';

/** Runs `attempt` until it does not fail with a busy error, waiting asynchronously between tries. */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, budgetMs = DEFAULT_RETRY_BUDGET_MS): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      if (Date.now() + delay > deadline) throw busyError(error);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Wraps Kysely's SQLite driver so that every statement (BEGIN and COMMIT included) retries while busy. */
export function retryingDriver(inner: Driver, budgetMs = DEFAULT_RETRY_BUDGET_MS): Driver {
  const wrap = (connection: DatabaseConnection): DatabaseConnection => ({
    executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
      retryWhileBusy(() => connection.executeQuery<R>(query), budgetMs).catch((error: unknown) => {
        // A full disk is not a bug: the caller (and the API, as 507) gets it in words.
        throw isSqliteFull(error) ? diskFullError(error) : error;
      }),
    streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
  });
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
  return {
    init: () => inner.init(),
    acquireConnection: async () => {
      const connection = await inner.acquireConnection();
      let outer = wrapped.get(connection);
      if (!outer) wrapped.set(connection, (outer = wrap(connection)));
      return outer;
    },
    // The inner driver only calls executeQuery on the connection it is given: ours, which retries.
    beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) =>
      inner.beginTransaction(connection, settings),
    commitTransaction: (connection: DatabaseConnection) => inner.commitTransaction(connection),
    // After SQLITE_FULL (and some other errors) SQLite has already rolled the transaction back itself:
    // a second rollback would fail and hide the error that matters.
    rollbackTransaction: (connection: DatabaseConnection) =>
      inner.rollbackTransaction(connection).catch((error: unknown) => {
        if (!/no transaction is active/.test(error instanceof Error ? error.message : '')) throw error;
      }),
    savepoint: inner.savepoint?.bind(inner),
    rollbackToSavepoint: inner.rollbackToSavepoint?.bind(inner),
    releaseSavepoint: inner.releaseSavepoint?.bind(inner),
    releaseConnection: (connection: DatabaseConnection) => inner.releaseConnection(connection),
    destroy: () => inner.destroy(),
  };
}
