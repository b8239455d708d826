/** SQL for the git credentials of app services. The secret column holds ciphertext only. */
import type { Executor } from '../db/executor.js';
import type { GitCredentialsRef } from './service.types.js';

export type CredentialsKind = 'token' | 'ssh-key';

export interface StoredCredentials {
  serviceId: string;
  kind: CredentialsKind;
  username: string | null;
  secretEncrypted: string;
  updatedAt: string;
}

function toRef(row: { kind: CredentialsKind; username: string | null }): GitCredentialsRef {
  if (row.kind === 'ssh-key') return { kind: 'ssh-key' };
  return row.username === null ? { kind: 'token' } : { kind: 'token', username: row.username };
}

export async function findCredentials(db: Executor, serviceId: string): Promise<StoredCredentials | undefined> {
  const row = await db
    .selectFrom('service_credentials')
    .selectAll()
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  return (
    row && {
      serviceId: row.service_id,
      kind: row.kind,
      username: row.username,
      secretEncrypted: row.secret_encrypted,
      updatedAt: row.updated_at,
    }
  );
}

/** What is set for each of these services (kind and username, never the secret). */
export async function findCredentialRefs(db: Executor, serviceIds: string[]): Promise<Map<string, GitCredentialsRef>> {
  if (serviceIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('service_credentials')
    .select(['service_id', 'kind', 'username'])
    .where('service_id', 'in', serviceIds)
    .execute();
  return new Map(rows.map((row) => [row.service_id, toRef(row)]));
}

export async function upsertCredentials(db: Executor, stored: StoredCredentials): Promise<void> {
  const values = {
    kind: stored.kind,
    username: stored.username,
    secret_encrypted: stored.secretEncrypted,
    updated_at: stored.updatedAt,
  };
  await db
    .insertInto('service_credentials')
    .values({ service_id: stored.serviceId, ...values })
    .onConflict((oc) => oc.column('service_id').doUpdateSet(values))
    .execute();
}

export async function deleteCredentials(db: Executor, serviceId: string): Promise<boolean> {
  const result = await db.deleteFrom('service_credentials').where('service_id', '=', serviceId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
