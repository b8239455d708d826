/**
 * `berth admin unlock <email>` runs in another process than the daemon, so it leaves its word in SQLite:
 * the time of the unlock, per account. The daemon's login throttle reads it at each attempt and forgets
 * that account's earlier attempts.
 */
import type { Db } from '../db/connection.js';

const PREFIX = 'login_unlocked_at:';

export async function recordUnlock(db: Db, account: string, at: Date = new Date()): Promise<void> {
  const value = at.toISOString();
  await db
    .insertInto('settings')
    .values({ key: PREFIX + account, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Milliseconds since the epoch of the account's last unlock, or 0. */
export async function lastUnlockOf(db: Db, account: string): Promise<number> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', PREFIX + account)
    .executeTakeFirst();
  const at = row ? Date.parse(row.value) : NaN;
  return Number.isFinite(at) ? at : 0;
}
