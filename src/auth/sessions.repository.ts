/**
 * SQL for panel sessions: one row per session id, its data as JSON and when it expires (epoch ms), and (0020)
 * who signed in, when, from where, when it was last seen and whether it was revoked.
 */
import type { Executor } from '../db/executor.js';

/** What the store learns from a session's data each time it is saved. */
export interface SessionColumns {
  userId: string | null;
  createdAt: number | null;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionRow extends SessionColumns {
  sid: string;
  lastSeenAt: number | null;
  expiresAt: number;
}

export async function upsertSession(
  db: Executor,
  sid: string,
  data: string,
  expiresAt: number,
  columns: SessionColumns,
  now: number,
): Promise<void> {
  const values = {
    data,
    expires_at: expiresAt,
    user_id: columns.userId,
    created_at: columns.createdAt,
    ip: columns.ip,
    user_agent: columns.userAgent,
    last_seen_at: now,
  };
  // revoked_at is never cleared here: a request that was in flight when its session was revoked saves it
  // afterwards, and must not bring it back.
  await db
    .insertInto('sessions')
    .values({ sid, ...values })
    .onConflict((oc) => oc.column('sid').doUpdateSet(values))
    .execute();
}

export async function findSession(db: Executor, sid: string): Promise<{ data: string; expiresAt: number } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['data', 'expires_at'])
    .where('sid', '=', sid)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && { data: row.data, expiresAt: row.expires_at };
}

export async function deleteSession(db: Executor, sid: string): Promise<void> {
  await db.deleteFrom('sessions').where('sid', '=', sid).execute();
}

export async function deleteSessionsExpiredBefore(db: Executor, now: number): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', now), eb('revoked_at', 'is not', null)]))
    .execute();
}

/** Live signed-in sessions, newest first; of one user, or of everyone when userId is undefined. */
export async function listLiveSessions(db: Executor, now: number, userId?: string): Promise<SessionRow[]> {
  let query = db
    .selectFrom('sessions')
    .select(['sid', 'user_id', 'created_at', 'last_seen_at', 'ip', 'user_agent', 'expires_at'])
    .where('user_id', 'is not', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>=', now);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const rows = await query.orderBy('last_seen_at', 'desc').execute();
  return rows.map((row) => ({
    sid: row.sid,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    ip: row.ip,
    userAgent: row.user_agent,
    expiresAt: row.expires_at,
  }));
}

/** Revokes the given sessions (by id); returns how many were live. */
export async function revokeSessions(db: Executor, sids: string[], now: number): Promise<number> {
  if (sids.length === 0) return 0;
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where('sid', 'in', sids)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
