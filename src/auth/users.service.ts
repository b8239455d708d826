import type { Db } from '../db/connection.js';
import type { Executor } from '../db/executor.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { checkPassword, normalizeEmail } from './credentials.js';
import { hashPassword, verifyPassword } from './passwords.js';
import {
  countAdmins,
  findPasswordHashOf,
  findUserWithHashByEmail,
  hasOwnerRow,
  insertUser,
  type User,
} from './users.repository.js';

/**
 * The password hash of an account made by single sign-on: not a bcrypt hash, so no password matches it
 * (verifyPassword compares against a dummy hash instead, keeping the timing flat).
 */
export const NO_PASSWORD = 'sso-only';

const usable = (hash: string | undefined) => (hash && hash !== NO_PASSWORD ? hash : undefined);

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
  const isValid = await verifyPassword(password, usable(user?.passwordHash));
  if (!user || !usable(user.passwordHash) || !isValid)
    throw new AppError('INVALID_CREDENTIALS', 'Wrong email or password.');
  const { passwordHash: _hash, ...publicUser } = user;
  return publicUser;
}

export async function hasAdmin(db: Executor): Promise<boolean> {
  return (await countAdmins(db)) > 0;
}

/** Whether `password` is the account's password (false for an account that signs in only through SSO). */
export async function checkPasswordOf(db: Db, userId: string, password: string): Promise<boolean> {
  const hash = usable(await findPasswordHashOf(db, userId));
  const isValid = await verifyPassword(password, hash);
  return Boolean(hash) && isValid;
}

/** An account made at its first single sign-on: no password, the role the identity provider's groups gave. */
export async function createSsoUser(db: Db, rawEmail: string, role: 'admin' | 'member'): Promise<User> {
  const email = normalizeEmail(rawEmail);
  return insertUser(db, { id: newId('usr'), email, password_hash: NO_PASSWORD, role, created_at: nowIso() });
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const user = await findUserWithHashByEmail(db, email.trim().toLowerCase());
  if (!user) return undefined;
  const { passwordHash: _hash, ...publicUser } = user;
  return publicUser;
}
