/**
 * API tokens: `berth_<43 chars>` shown once at creation, stored only as a SHA-256 hash.
 * Revoked tokens stay listed (with when) so people can audit them.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { randomToken, sha256Hex } from '../lib/secrets.js';
import {
  findActiveTokenByHash,
  findActiveTokenByName,
  insertApiToken,
  listTokensOfUser,
  markRevoked,
  type ApiToken,
} from './api-tokens.repository.js';
import { checkTokenName } from './credentials.js';
import { recordTokenUse } from './token-usage.js';
import { findUserById, type User } from './users.repository.js';

export const TOKEN_PREFIX = 'berth_';
const TOKEN_SHAPE = /^berth_[A-Za-z0-9_-]{43}$/;

export async function createApiToken(
  db: Db,
  userId: string,
  rawName: unknown,
): Promise<{ token: string; record: ApiToken }> {
  const name = checkTokenName(rawName);
  if (await findActiveTokenByName(db, userId, name)) {
    throw new AppError('TOKEN_NAME_TAKEN', `You already have an active token named "${name}".`);
  }
  const token = randomToken(TOKEN_PREFIX);
  const record = await insertApiToken(db, {
    id: newId('tok'),
    user_id: userId,
    name,
    token_hash: sha256Hex(token),
    token_prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    created_at: nowIso(),
    last_used_at: null,
    revoked_at: null,
  });
  return { token, record };
}

/** The user behind a bearer token, or undefined for anything that is not a live token. */
export async function authenticateToken(db: Db, token: string): Promise<{ user: User; token: ApiToken } | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const record = await findActiveTokenByHash(db, sha256Hex(token));
  if (!record) return undefined;
  const user = await findUserById(db, record.userId);
  if (!user) return undefined;
  recordTokenUse(db, record.id);
  return { user, token: record };
}

export function listApiTokens(db: Db, userId: string): Promise<ApiToken[]> {
  return listTokensOfUser(db, userId);
}

/** Revokes one of the user's tokens by id or by name. */
export async function revokeApiToken(db: Db, userId: string, idOrName: string): Promise<ApiToken> {
  const tokens = await listTokensOfUser(db, userId);
  const target = tokens.find((t) => t.id === idOrName) ?? tokens.find((t) => t.name === idOrName && !t.revokedAt);
  if (!target) throw new AppError('NOT_FOUND', `No token "${idOrName}".`);
  if (target.revokedAt) throw new AppError('NOT_FOUND', `Token "${target.name}" is already revoked.`);
  await markRevoked(db, target.id, nowIso());
  return { ...target, revokedAt: nowIso() };
}
