/**
 * `berth admin unlock <email>` runs in another process than the daemon, so it leaves its word in SQLite:
 * the time of the unlock, per account. The daemon's login throttle reads it at each attempt and forgets
 * that account's earlier attempts.
 */
import type { Db } from '../db/connection.js';
import { readSetting, writeSetting } from './settings.repository.js';

const PREFIX = 'login_unlocked_at:';

export async function recordUnlock(db: Db, account: string, at: Date = new Date()): Promise<void> {
  await writeSetting(db, PREFIX + account, at.toISOString());
}

/** Milliseconds since the epoch of the account's last unlock, or 0. */
export async function lastUnlockOf(db: Db, account: string): Promise<number> {
  const value = await readSetting(db, PREFIX + account);
  const at = value !== undefined ? Date.parse(value) : NaN;
  return Number.isFinite(at) ? at : 0;
}
