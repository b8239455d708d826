import type { Executor } from '../db/executor.js';
import type { UsersTable } from '../db/schema.js';

import type { User } from './auth.types.js';

export type { User };

function toUser(row: Pick<UsersTable, 'id' | 'email' | 'role' | 'created_at'>): User {
  return { id: row.id, email: row.email, role: row.role, createdAt: row.created_at };
}

export async function insertUser(db: Executor, row: UsersTable): Promise<User> {
  await db.insertInto('users').values(row).execute();
  return toUser(row);
}

export async function findUserById(db: Executor, id: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'email', 'role', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
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
