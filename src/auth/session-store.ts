/** Server-side session storage for @fastify/session, in the sessions table. */
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { Db } from '../db/connection.js';
import {
  deleteSession,
  deleteSessionsExpiredBefore,
  findSession,
  upsertSession,
  type SessionColumns,
} from './sessions.repository.js';

type Callback = (err?: unknown) => void;
type SessionData = Session & { cookie?: { expires?: string | Date | null } };

/** What a signed-in session's data says about itself (set at sign-in; see src/http/types.ts). */
interface SignedInData {
  userId?: string;
  signedInAt?: number;
  clientIp?: string;
  clientAgent?: string;
}

export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;

function columnsOf(session: SignedInData): SessionColumns {
  return {
    userId: session.userId ?? null,
    createdAt: session.signedInAt ?? null,
    ip: session.clientIp ?? null,
    userAgent: session.clientAgent ?? null,
  };
}

export class SqliteSessionStore implements SessionStore {
  constructor(private readonly db: Db) {}

  set(sid: string, session: SessionData, callback: Callback): void {
    const expires = session.cookie?.expires ? new Date(session.cookie.expires).getTime() : Date.now() + SESSION_TTL_MS;
    const data = JSON.stringify(session);
    upsertSession(this.db, sid, data, expires, columnsOf(session as SignedInData), Date.now()).then(
      () => callback(),
      callback,
    );
  }

  get(sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    findSession(this.db, sid).then((row) => {
      if (!row || row.expiresAt < Date.now()) return callback(null, null);
      callback(null, JSON.parse(row.data) as SessionData);
    }, callback);
  }

  destroy(sid: string, callback: Callback): void {
    deleteSession(this.db, sid).then(() => callback(), callback);
  }

  async deleteExpired(): Promise<void> {
    await deleteSessionsExpiredBefore(this.db, Date.now());
  }
}
