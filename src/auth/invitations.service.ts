/**
 * Invitations by link: the token is shown once (stored as its SHA-256), works for INVITATION_DAYS, once.
 * It carries a server role and project grants. Accepting it either creates an account (email and a new
 * password) or adds its grants to the signed-in account; grants never lower a role someone already has.
 */
import type { Db } from '../db/connection.js';
import { inTransaction } from '../db/executor.js';
import type { ProjectRole } from '../db/schema.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { randomToken, sha256Hex } from '../lib/secrets.js';
import { atLeast } from './access-policy.js';
import type { User } from './auth.types.js';
import { checkPassword, normalizeEmail } from './credentials.js';
import {
  findInvitationByHash,
  insertInvitation,
  listOpenInvitations,
  markInvitationRevoked,
  markInvitationUsed,
  type InvitationRow,
} from './invitations.repository.js';
import { checkProjectRole } from './members.service.js';
import { findGrant, projectExists, upsertGrant } from './members.repository.js';
import { hashPassword } from './passwords.js';
import { findUserById, findUserWithHashByEmail, insertUser, setServerRole } from './users.repository.js';

export const INVITATION_DAYS = 7;
const TOKEN = /^inv_[A-Za-z0-9_-]{43}$/;

export interface Invitation {
  id: string;
  email: string | null;
  serverRole: 'admin' | 'member';
  grants: Array<{ projectId: string; role: ProjectRole }>;
  createdAt: string;
  expiresAt: string;
}

function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    serverRole: row.server_role,
    grants: JSON.parse(row.grants) as Invitation['grants'],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export interface InvitationInput {
  email?: unknown;
  serverRole?: unknown;
  grants?: unknown;
}

export async function createInvitation(
  db: Db,
  actor: User,
  input: InvitationInput,
): Promise<{ token: string; invitation: Invitation }> {
  const email = input.email === undefined || input.email === '' ? null : normalizeEmail(input.email);
  const serverRole = input.serverRole === undefined || input.serverRole === '' ? 'member' : input.serverRole;
  if (serverRole !== 'admin' && serverRole !== 'member') {
    throw new AppError('VALIDATION_FAILED', 'An invitation gives the server role admin or member.', {
      details: { serverRole: 'admin or member' },
    });
  }
  const grants: Invitation['grants'] = [];
  for (const raw of Array.isArray(input.grants) ? (input.grants as unknown[]) : []) {
    const grant = raw as { projectId?: unknown; role?: unknown };
    const role = checkProjectRole(grant.role);
    if (!role) continue;
    if (typeof grant.projectId !== 'string' || !(await projectExists(db, grant.projectId))) {
      throw new AppError('NOT_FOUND', `No project ${String(grant.projectId)}.`);
    }
    grants.push({ projectId: grant.projectId, role });
  }
  if (serverRole === 'member' && grants.length === 0) {
    throw new AppError('VALIDATION_FAILED', 'Give the member at least one project, or make them an admin.', {
      details: { grants: 'at least one project role' },
    });
  }
  const token = randomToken('inv_');
  const now = new Date();
  const row: InvitationRow = {
    id: newId('inv'),
    token_hash: sha256Hex(token),
    email,
    server_role: serverRole,
    grants: JSON.stringify(grants),
    created_by: actor.id,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString(),
    used_at: null,
    used_by: null,
    revoked_at: null,
  };
  await insertInvitation(db, row);
  return { token, invitation: toInvitation(row) };
}

const INVALID = 'This invitation link is not valid: it was used already, revoked or has expired. Ask for a new one.';

/** The open invitation behind a token, or NOT_FOUND for anything else (used, revoked, expired, unknown). */
export async function findOpenInvitation(db: Db, token: unknown): Promise<Invitation> {
  const row =
    typeof token === 'string' && TOKEN.test(token) ? await findInvitationByHash(db, sha256Hex(token)) : undefined;
  if (!row || row.used_at || row.revoked_at || Date.parse(row.expires_at) <= Date.now()) {
    throw new AppError('NOT_FOUND', INVALID);
  }
  return toInvitation(row);
}

/**
 * Accepts an invitation: for `signedIn` adds its grants to that account; otherwise creates an account
 * with the email and password given. Single use: the used mark is the first write of the transaction.
 */
export async function acceptInvitation(
  db: Db,
  input: { token: unknown; signedInUserId?: string; email?: unknown; password?: unknown },
): Promise<User> {
  const invitation = await findOpenInvitation(db, input.token);
  const password = input.signedInUserId ? undefined : checkPassword(input.password);
  const hash = password === undefined ? undefined : await hashPassword(password);
  return inTransaction(db, async (trx) => {
    let user: User | undefined;
    if (input.signedInUserId) {
      user = await findUserById(trx, input.signedInUserId);
      if (!user) throw new AppError('NOT_FOUND', INVALID);
    } else {
      const email = invitation.email ?? normalizeEmail(input.email);
      if (await findUserWithHashByEmail(trx, email)) {
        throw new AppError('EMAIL_TAKEN', `An account for ${email} already exists: sign in, then open the link again.`);
      }
      user = await insertUser(trx, {
        id: newId('usr'),
        email,
        password_hash: hash!,
        role: invitation.serverRole,
        created_at: nowIso(),
      });
    }
    if (!(await markInvitationUsed(trx, invitation.id, user.id, nowIso()))) throw new AppError('NOT_FOUND', INVALID);
    if (invitation.serverRole === 'admin' && user.role === 'member') {
      await setServerRole(trx, user.id, 'admin');
      user = { ...user, role: 'admin' };
    }
    for (const grant of invitation.grants) {
      if (!(await projectExists(trx, grant.projectId))) continue;
      const current = await findGrant(trx, grant.projectId, user.id);
      if (!current || !atLeast(current, grant.role)) {
        await upsertGrant(trx, { projectId: grant.projectId, userId: user.id, role: grant.role }, nowIso());
      }
    }
    return user;
  });
}

export async function listInvitations(db: Db): Promise<Invitation[]> {
  return (await listOpenInvitations(db, nowIso())).map(toInvitation);
}

export async function revokeInvitation(db: Db, id: string): Promise<void> {
  if (!(await markInvitationRevoked(db, id, nowIso())))
    throw new AppError('NOT_FOUND', 'No open invitation with this id.');
}
