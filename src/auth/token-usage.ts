/**
 * When each API token was last used: best-effort and throttled. A write per authenticated request would
 * make every API call wait for (or fail on) a database another process holds a write lock on; the time
 * is informational, so at most one write per token a minute, in the background, failures ignored.
 */
import type { Db } from '../db/connection.js';
import { nowIso } from '../lib/ids.js';
import { touchLastUsed } from './api-tokens.repository.js';

export const TOKEN_USE_WRITE_INTERVAL_MS = 60_000;

const lastWrittenAt = new Map<string, number>();

/** Records a use of the token unless one was recorded in the last minute. Never waits, never throws. */
export function recordTokenUse(db: Db, tokenId: string, now = Date.now()): void {
  const last = lastWrittenAt.get(tokenId);
  if (last !== undefined && now - last < TOKEN_USE_WRITE_INTERVAL_MS) return;
  lastWrittenAt.set(tokenId, now);
  touchLastUsed(db, tokenId, nowIso()).catch(() => {
    // Try again on the next use rather than a minute later.
    if (lastWrittenAt.get(tokenId) === now) lastWrittenAt.delete(tokenId);
  });
}
