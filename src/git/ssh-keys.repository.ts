/** SQL for users' SSH public keys (the ssh_keys table). */
import type { Insertable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { SshKeysTable } from '../db/schema.js';

export async function listSshKeyRows(db: Executor, userId: string) {
  return db
    .selectFrom('ssh_keys')
    .select(['id', 'name', 'algorithm', 'fingerprint', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

export async function insertSshKey(db: Executor, row: Insertable<SshKeysTable>): Promise<void> {
  await db.insertInto('ssh_keys').values(row).execute();
}

/** Deletes the user's key; false when the user has no key with that id. */
export async function deleteSshKeyRow(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('ssh_keys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function findSshKeyByFingerprint(db: Executor, fingerprint: string) {
  return db
    .selectFrom('ssh_keys')
    .select(['id', 'user_id', 'public_key'])
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
}

export async function touchSshKey(db: Executor, keyId: string, at: string): Promise<void> {
  await db.updateTable('ssh_keys').set({ last_used_at: at }).where('id', '=', keyId).execute();
}
