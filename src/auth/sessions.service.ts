/**
 * The session list: who is signed in where, and revoking. A session is named on pages by a handle (a hash
 * of its id), never by the id itself, which together with the signing secret is the cookie.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../lib/secrets.js';
import { listLiveSessions, revokeSessions, type SessionRow } from './sessions.repository.js';
import { findUserById } from './users.repository.js';

export interface SessionView {
  handle: string;
  userId: string;
  email: string;
  createdAt: string | null;
  lastSeenAt: string | null;
  ip: string | null;
  userAgent: string | null;
  isCurrent: boolean;
}

const HANDLE_LENGTH = 24;
export const SESSION_HANDLE = /^[0-9a-f]{24}$/;

function handleOf(sid: string): string {
  return sha256Hex(`session:${sid}`).slice(0, HANDLE_LENGTH);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function toViews(db: Db, rows: SessionRow[], currentSid: string | undefined): Promise<SessionView[]> {
  const emails = new Map<string, string>();
  for (const row of rows) {
    const id = row.userId!;
    if (!emails.has(id)) emails.set(id, (await findUserById(db, id))?.email ?? '(deleted account)');
  }
  return rows.map((row) => ({
    handle: handleOf(row.sid),
    userId: row.userId!,
    email: emails.get(row.userId!)!,
    createdAt: iso(row.createdAt),
    lastSeenAt: iso(row.lastSeenAt),
    ip: row.ip,
    userAgent: row.userAgent,
    isCurrent: row.sid === currentSid,
  }));
}

/** The user's own live sessions (the current one marked), or everyone's when userId is undefined. */
export async function listSessions(db: Db, userId: string | undefined, currentSid?: string): Promise<SessionView[]> {
  return toViews(db, await listLiveSessions(db, Date.now(), userId), currentSid);
}

/**
 * Revokes one session by handle. `ownerId` limits it to that user's sessions (undefined: any, for a server
 * admin). A handle that is not among them is NOT_FOUND, whoever it belongs to.
 */
export async function revokeSession(db: Db, handle: string, ownerId: string | undefined): Promise<SessionView> {
  const rows = await listLiveSessions(db, Date.now(), ownerId);
  const row = rows.find((r) => handleOf(r.sid) === handle);
  if (!row) throw new AppError('NOT_FOUND', 'No such session (it may have ended already).');
  await revokeSessions(db, [row.sid], Date.now());
  return (await toViews(db, [row], undefined))[0]!;
}

/** Revokes every session of the user except the current one; returns how many ended. */
export async function revokeOtherSessions(db: Db, userId: string, currentSid: string): Promise<number> {
  const rows = await listLiveSessions(db, Date.now(), userId);
  return revokeSessions(
    db,
    rows.filter((r) => r.sid !== currentSid).map((r) => r.sid),
    Date.now(),
  );
}

/** Ends every session of a user (after their second factor or password changes hands, for example). */
export async function revokeAllSessionsOf(db: Db, userId: string): Promise<number> {
  const rows = await listLiveSessions(db, Date.now(), userId);
  return revokeSessions(
    db,
    rows.map((r) => r.sid),
    Date.now(),
  );
}
