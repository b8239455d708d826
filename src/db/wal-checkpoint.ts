/**
 * Keeps the write-ahead log small. SQLite's automatic checkpoints cannot move past a reader that started
 * long ago (a `berth backup`, an operator's `sqlite3` session), so the WAL grows while it reads, and
 * SQLite never shrinks the file afterwards on its own (345 MB seen). A periodic TRUNCATE checkpoint
 * empties it once the readers are gone; it waits for nobody (the connection's busy timeout is a few ms):
 * while a reader still holds it back, it just does what it can and the next run tries again.
 */
import { sql } from 'kysely';
import type { Db } from './connection.js';

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;

export function startWalCheckpoints(
  db: Db,
  logger: { warn(obj: object, msg: string): void },
  intervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS,
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sql`PRAGMA wal_checkpoint(TRUNCATE)`
      .execute(db)
      .catch((error: unknown) => logger.warn({ err: error }, 'WAL checkpoint failed; retrying at the next interval'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
