/**
 * Members: who has an account, their server role and their project grants. Only server admins call
 * these (the routes say so); the rules here keep the owner in place: nobody but the owner moves
 * ownership, and the owner is never removed or demoted. A removal or a lower role ends the person's
 * panel sessions at once (and a removal their tokens and keys, with the account).
 */
import type { Db } from '../db/connection.js';
import { inTransaction, type Executor } from '../db/executor.js';
import type { ProjectRole } from '../db/schema.js';
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import { atLeast } from './access-policy.js';
import type { User } from './auth.types.js';
import {
  deleteGrant,
  deleteSessionsOfUser,
  findGrant,
  listAllGrants,
  projectExists,
  upsertGrant,
  type Grant,
} from './members.repository.js';
import { deleteUser, findUserById, listUsers, moveOwnership, setServerRole } from './users.repository.js';

export interface Member extends User {
  grants: Array<{ projectId: string; role: ProjectRole }>;
}

const PROJECT_ROLES: readonly ProjectRole[] = ['admin', 'developer', 'viewer'];
const SERVER_ROLES = ['admin', 'member'] as const;

export async function listMembers(db: Db): Promise<Member[]> {
  const grants = await listAllGrants(db);
  return (await listUsers(db)).map((user) => ({
    ...user,
    grants: grants.filter((g) => g.userId === user.id).map(({ projectId, role }) => ({ projectId, role })),
  }));
}

async function requireMember(db: Executor, userId: string): Promise<User> {
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('NOT_FOUND', 'No such member.');
  return user;
}

function guardOwner(actor: User, target: User, what: string): void {
  if (target.role === 'owner')
    throw new AppError('FORBIDDEN', `The owner cannot be ${what}; the owner can transfer ownership first.`);
  if (actor.id === target.id) throw new AppError('FORBIDDEN', `You cannot change your own access (${what}).`);
}

export function checkProjectRole(raw: unknown): ProjectRole | null {
  if (raw === 'none' || raw === '' || raw === null) return null;
  if (typeof raw !== 'string' || !PROJECT_ROLES.includes(raw as ProjectRole)) {
    throw new AppError('VALIDATION_FAILED', 'A project role is admin, developer, viewer or none.', {
      details: { role: 'admin, developer, viewer or none' },
    });
  }
  return raw as ProjectRole;
}

/** Sets (or with null removes) a member's role on one project. */
export async function setProjectRole(
  db: Db,
  actor: User,
  input: { userId: string; projectId: string; role: unknown },
): Promise<void> {
  const role = checkProjectRole(input.role);
  await inTransaction(db, async (trx) => {
    const target = await requireMember(trx, input.userId);
    if (actor.id === target.id) throw new AppError('FORBIDDEN', 'You cannot change your own access.');
    if (!(await projectExists(trx, input.projectId))) throw new AppError('NOT_FOUND', `No project ${input.projectId}.`);
    const before = await findGrant(trx, input.projectId, target.id);
    if (role) await upsertGrant(trx, { projectId: input.projectId, userId: target.id, role }, nowIso());
    else await deleteGrant(trx, input.projectId, target.id);
    if (before && (!role || !atLeast(role, before))) await deleteSessionsOfUser(trx, target.id);
  });
}

export async function changeServerRole(db: Db, actor: User, input: { userId: string; role: unknown }): Promise<void> {
  const role = input.role;
  if (typeof role !== 'string' || !(SERVER_ROLES as readonly string[]).includes(role)) {
    throw new AppError('VALIDATION_FAILED', 'A server role is admin or member (ownership is transferred).', {
      details: { role: 'admin or member' },
    });
  }
  await inTransaction(db, async (trx) => {
    const target = await requireMember(trx, input.userId);
    guardOwner(actor, target, 'demoted');
    await setServerRole(trx, target.id, role as 'admin' | 'member');
    if (target.role === 'admin' && role === 'member') await deleteSessionsOfUser(trx, target.id);
  });
}

/** Removes the account: its grants, tokens and SSH keys go with it (cascade), its sessions end now. */
export async function removeMember(db: Db, actor: User, userId: string): Promise<User> {
  return inTransaction(db, async (trx) => {
    const target = await requireMember(trx, userId);
    guardOwner(actor, target, 'removed');
    await deleteSessionsOfUser(trx, target.id);
    await deleteUser(trx, target.id);
    return target;
  });
}

export async function transferOwnership(db: Db, actor: User, userId: string): Promise<void> {
  if (actor.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the owner transfers ownership.');
  await inTransaction(db, async (trx) => {
    const target = await requireMember(trx, userId);
    if (target.id === actor.id) throw new AppError('CONFLICT', 'You are already the owner.');
    await moveOwnership(trx, target.id);
  });
}

export type { Grant };
