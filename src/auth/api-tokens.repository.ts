import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { ApiTokensTable } from '../db/schema.js';

import type { ApiToken } from './auth.types.js';

export type { ApiToken };

type Row = Selectable<ApiTokensTable>;

function toApiToken(row: Row): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.token_prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    projectId: row.project_id,
    role: row.role,
    readOnly: row.read_only === 1,
    expiresAt: row.expires_at,
  };
}

export async function insertApiToken(db: Executor, row: Insertable<ApiTokensTable>): Promise<ApiToken> {
  await db.insertInto('api_tokens').values(row).execute();
  const stored = await db.selectFrom('api_tokens').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  return toApiToken(stored);
}

export async function findActiveTokenByHash(db: Executor, tokenHash: string): Promise<ApiToken | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && toApiToken(row);
}

export async function listTokensOfUser(db: Executor, userId: string): Promise<ApiToken[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toApiToken);
}

export async function listAllTokens(db: Executor): Promise<ApiToken[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(toApiToken);
}

export async function findActiveTokenByName(db: Executor, userId: string, name: string): Promise<ApiToken | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && toApiToken(row);
}

export async function markRevoked(db: Executor, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function touchLastUsed(db: Executor, id: string, at: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}

/** Revokes every live token of a user (removed from the server): they stop working at once. */
export async function revokeAllOfUser(db: Executor, userId: string, at: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
