/** SQL for panel sessions: one row per session id, its data as JSON and when it expires (epoch ms). */
import type { Executor } from '../db/executor.js';

export async function upsertSession(db: Executor, sid: string, data: string, expiresAt: number): Promise<void> {
  await db
    .insertInto('sessions')
    .values({ sid, data, expires_at: expiresAt })
    .onConflict((oc) => oc.column('sid').doUpdateSet({ data, expires_at: expiresAt }))
    .execute();
}

export async function findSession(db: Executor, sid: string): Promise<{ data: string; expiresAt: number } | undefined> {
  const row = await db.selectFrom('sessions').select(['data', 'expires_at']).where('sid', '=', sid).executeTakeFirst();
  return row && { data: row.data, expiresAt: row.expires_at };
}

export async function deleteSession(db: Executor, sid: string): Promise<void> {
  await db.deleteFrom('sessions').where('sid', '=', sid).execute();
}

export async function deleteSessionsExpiredBefore(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
}
