import type { Executor } from '../db/executor.js';
import type { UsersTable } from '../db/schema.js';

import type { User } from './auth.types.js';

export type { User };

type UserRow = Pick<UsersTable, 'id' | 'email' | 'role' | 'created_at'> & { is_owner: number };

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, role: row.is_owner === 1 ? 'owner' : row.role, createdAt: row.created_at };
}

const COLUMNS = ['id', 'email', 'role', 'created_at', 'is_owner'] as const;

export async function insertUser(
  db: Executor,
  row: Omit<UsersTable, 'is_owner'> & { is_owner?: number },
): Promise<User> {
  await db.insertInto('users').values(row).execute();
  return toUser({ ...row, is_owner: row.is_owner ?? 0 });
}

export async function findUserById(db: Executor, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export async function findUserWithHashByEmail(
  db: Executor,
  email: string,
): Promise<(User & { passwordHash: string }) | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  return row && { ...toUser(row), passwordHash: row.password_hash };
}

export async function findPasswordHashOf(db: Executor, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
  return row?.password_hash;
}

export async function listUsers(db: Executor): Promise<User[]> {
  const rows = await db.selectFrom('users').select(COLUMNS).orderBy('created_at').orderBy('id').execute();
  return rows.map(toUser);
}

export async function listAdminIds(db: Executor): Promise<string[]> {
  return (await db.selectFrom('users').select('id').where('role', '=', 'admin').execute()).map((row) => row.id);
}

export async function countAdmins(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function hasOwnerRow(db: Executor): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('is_owner', '=', 1).executeTakeFirst()) !== undefined;
}

export async function setServerRole(db: Executor, userId: string, role: UsersTable['role']): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', userId).execute();
}

/** Moves the owner mark: off everyone first, so the one-owner index holds at every step. */
export async function moveOwnership(db: Executor, toUserId: string): Promise<void> {
  await db.updateTable('users').set({ is_owner: 0 }).where('is_owner', '=', 1).execute();
  await db.updateTable('users').set({ is_owner: 1, role: 'admin' }).where('id', '=', toUserId).execute();
}

export async function updatePasswordHash(db: Executor, userId: string, hash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
}

export async function deleteUser(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', userId).execute();
}
