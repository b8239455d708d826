/** Server-side session storage for @fastify/session, in the sessions table. */
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Db } from '../db/connection.js';

type Callback = (err?: unknown) => void;
type SessionData = Session & { cookie?: { expires?: string | Date | null } };

export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;

export class SqliteSessionStore implements SessionStore {
  constructor(private readonly db: Db) {}

  set(sid: string, session: SessionData, callback: Callback): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires).getTime() : Date.now() + SESSION_TTL_MS;
    const data = JSON.stringify(session);
    this.db
      .insertInto('sessions')
      .values({ sid, data, expires_at: expires })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ data, expires_at: expires }))
      .execute()
      .then(() => callback(), callback);
  }

  get(sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    this.db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', sid)
      .executeTakeFirst()
      .then((row) => {
        if (!row || row.expires_at < Date.now()) return callback(null, null);
        callback(null, JSON.parse(row.data) as SessionData);
      }, callback);
  }

  destroy(sid: string, callback: Callback): void {
    this.db
      .deleteFrom('sessions')
      .where('sid', '=', sid)
      .execute()
      .then(() => callback(), callback);
  }

  async deleteExpired(): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<', Date.now()).execute();
  }
}
