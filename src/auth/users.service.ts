import type { Db } from '../db/connection.js';
import type { Executor } from '../db/executor.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { checkPassword, normalizeEmail } from './credentials.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { countAdmins, findUserWithHashByEmail, hasOwnerRow, insertUser, type User } from './users.repository.js';

/** An admin; the first one (the claimer, or `berth admin create` on an unclaimed install) becomes the owner. */
export async function createAdmin(db: Executor, input: { email: unknown; password: unknown }): Promise<User> {
  const email = normalizeEmail(input.email);
  const password = checkPassword(input.password);
  if (await findUserWithHashByEmail(db, email)) {
    throw new AppError('EMAIL_TAKEN', `An account for ${email} already exists.`);
  }
  return insertUser(db, {
    id: newId('usr'),
    email,
    password_hash: await hashPassword(password),
    role: 'admin',
    created_at: nowIso(),
    is_owner: (await hasOwnerRow(db)) ? 0 : 1,
  });
}

/** Returns the user for a correct email and password, else throws one error that does not say which part was wrong. */
export async function authenticate(db: Db, rawEmail: unknown, rawPassword: unknown): Promise<User> {
  const email = typeof rawEmail === 'string' ? rawEmail.trim().toLowerCase() : '';
  const password = typeof rawPassword === 'string' ? rawPassword : '';
  const user = email ? await findUserWithHashByEmail(db, email) : undefined;
  const isValid = await verifyPassword(password, user?.passwordHash);
  if (!user || !isValid) throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password.');
  const { passwordHash: _hash, ...publicUser } = user;
  return publicUser;
}

export async function hasAdmin(db: Executor): Promise<boolean> {
  return (await countAdmins(db)) > 0;
}
