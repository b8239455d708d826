/**
 * API tokens: `berth_<43 chars>` shown once at creation, stored only as a SHA-256 hash.
 * Revoked tokens stay listed (with when) so people can audit them. A token may be scoped to one project,
 * given a lower role than its creator's, made read-only and given an expiry; at each use its user's own
 * role (as it is then) caps it again, so a token never outlives a demotion.
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
import { atLeast, effectiveRole } from './access-policy.js';
import type { ProjectRole } from './auth.types.js';
import { findGrant, projectExists } from './members.repository.js';

export interface TokenScope {
  /** One project's id, or absent/empty for every project the user reaches. */
  projectId?: unknown;
  role?: unknown;
  readOnly?: unknown;
  /** Days until it stops working (1 to 3650), or absent for never. */
  expiresInDays?: unknown;
}

const ROLES: readonly ProjectRole[] = ['admin', 'developer', 'viewer'];
const ID = /^[A-Za-z0-9_-]{1,64}$/;

async function checkScope(db: Db, user: User, scope: TokenScope) {
  const role = scope.role === undefined || scope.role === '' ? 'admin' : scope.role;
  if (typeof role !== 'string' || !ROLES.includes(role as ProjectRole)) {
    throw new AppError('VALIDATION_FAILED', 'A token role is admin, developer or viewer.', {
      details: { role: 'admin, developer or viewer' },
    });
  }
  let projectId: string | null = null;
  if (scope.projectId !== undefined && scope.projectId !== null && scope.projectId !== '') {
    if (typeof scope.projectId !== 'string' || !ID.test(scope.projectId)) {
      throw new AppError('VALIDATION_FAILED', 'projectId must be a project id.', {
        details: { projectId: 'a project id' },
      });
    }
    projectId = scope.projectId;
    const own = (await projectExists(db, projectId))
      ? effectiveRole({ user }, projectId, await findGrant(db, projectId, user.id))
      : undefined;
    if (!own) throw new AppError('NOT_FOUND', `No project ${projectId}.`);
    if (!atLeast(own, role as ProjectRole)) {
      throw new AppError('FORBIDDEN', `Your role on this project is ${own}: a token cannot have more (${role}).`);
    }
  }
  let expiresAt: string | null = null;
  if (scope.expiresInDays !== undefined && scope.expiresInDays !== null && scope.expiresInDays !== '') {
    const days = Number(scope.expiresInDays);
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      throw new AppError('VALIDATION_FAILED', 'expiresInDays is a whole number of days from 1 to 3650.', {
        details: { expiresInDays: '1 to 3650' },
      });
    }
    expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
  }
  const readOnly = scope.readOnly === true || scope.readOnly === 'on' || scope.readOnly === 'true';
  return { project_id: projectId, role: role as ProjectRole, read_only: readOnly ? 1 : 0, expires_at: expiresAt };
}

export const TOKEN_PREFIX = 'berth_';
const TOKEN_SHAPE = /^berth_[A-Za-z0-9_-]{43}$/;

export async function createApiToken(
  db: Db,
  userId: string,
  rawName: unknown,
  scope: TokenScope = {},
): Promise<{ token: string; record: ApiToken }> {
  const name = checkTokenName(rawName);
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('NOT_FOUND', 'No such user.');
  const limits = await checkScope(db, user, scope);
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
    ...limits,
  });
  return { token, record };
}

/** The user behind a bearer token, or undefined for anything that is not a live token. */
export async function authenticateToken(db: Db, token: string): Promise<{ user: User; token: ApiToken } | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const record = await findActiveTokenByHash(db, sha256Hex(token));
  if (!record) return undefined;
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.now()) return undefined;
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
