/** The only importer of better-sqlite3: opens the state database with the pragmas Berth relies on. */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type Driver } from 'kysely';
import { BUSY_TIMEOUT_MS, retryingDriver } from './busy-retry.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  /** Online backup of the live database to a file (safe while the daemon writes). */
  backupTo(path: string): Promise<void>;
  close(): Promise<void>;
}

export function openDatabase(file: string): DbHandle {
  const sqlite = new BetterSqlite3(file);
  // WAL lets the CLI read and write while the daemon runs. A lock is waited for asynchronously, never by
  // blocking the thread for long (busy-retry.ts).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('synchronous = NORMAL');
  // After a checkpoint resets the WAL, the file shrinks back to at most this (wal-checkpoint.ts).
  sqlite.pragma('journal_size_limit = 16777216');
  const db = new Kysely<Database>({ dialect: new RetryingSqliteDialect({ database: sqlite }) });
  return {
    db,
    async backupTo(path) {
      await sqlite.backup(path);
    },
    async close() {
      await db.destroy();
    },
  };
}

class RetryingSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return retryingDriver(super.createDriver());
  }
}

/**
 * Holds an exclusive SQLite lock on `<dataDir>/berth.lock` for the life of the process. The OS drops
 * the lock when the process dies, so a crash never leaves a stale lock, even across PID namespaces
 * (host process vs. container).
 */
export function tryExclusiveLock(file: string): { release(): void } | undefined {
  const lock = new BetterSqlite3(file);
  lock.pragma('busy_timeout = 0');
  lock.pragma('locking_mode = EXCLUSIVE');
  try {
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at TEXT)');
    lock.exec('BEGIN EXCLUSIVE');
    lock.exec('DELETE FROM holder');
    lock.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString());
  } catch {
    lock.close();
    return undefined;
  }
  return {
    release() {
      lock.exec('ROLLBACK');
      lock.close();
    },
  };
}
