/**
 * SQL for shared project variables (`${{shared.KEY}}` in any environment's services). Values arrive
 * sealed (SecretBox); this file never sees plaintext.
 */
import { inTransaction, type Executor } from '../db/executor.js';
import type { SealedVariable } from './variables.repository.js';

function toSealed(row: { key: string; value_encrypted: string; secret: number; updated_at: string }): SealedVariable {
  return { key: row.key, valueEncrypted: row.value_encrypted, secret: row.secret === 1, updatedAt: row.updated_at };
}

export async function listSharedVariables(db: Executor, projectId: string): Promise<SealedVariable[]> {
  const rows = await db
    .selectFrom('shared_variables')
    .select(['key', 'value_encrypted', 'secret', 'updated_at'])
    .where('project_id', '=', projectId)
    .orderBy('key')
    .execute();
  return rows.map(toSealed);
}

/** The shared variables of the project an environment belongs to (what `${{shared.*}}` resolves against). */
export async function listSharedVariablesOfEnvironment(db: Executor, environmentId: string): Promise<SealedVariable[]> {
  const rows = await db
    .selectFrom('shared_variables')
    .innerJoin('environments', 'environments.project_id', 'shared_variables.project_id')
    .select(['key', 'value_encrypted', 'secret', 'shared_variables.updated_at as updated_at'])
    .where('environments.id', '=', environmentId)
    .orderBy('key')
    .execute();
  return rows.map(toSealed);
}

/** Adds or overwrites the given variables (a secret flag left undefined keeps the stored one). */
export async function upsertSharedVariables(
  db: Executor,
  projectId: string,
  variables: Array<{ id: string; key: string; valueEncrypted: string; secret: boolean }>,
  updatedAt: string,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    for (const v of variables) {
      await trx
        .insertInto('shared_variables')
        .values({
          id: v.id,
          project_id: projectId,
          key: v.key,
          value_encrypted: v.valueEncrypted,
          secret: v.secret ? 1 : 0,
          updated_at: updatedAt,
        })
        .onConflict((oc) =>
          oc.columns(['project_id', 'key']).doUpdateSet({
            value_encrypted: v.valueEncrypted,
            secret: v.secret ? 1 : 0,
            updated_at: updatedAt,
          }),
        )
        .execute();
    }
  });
}

export async function deleteSharedVariable(db: Executor, projectId: string, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('shared_variables')
    .where('project_id', '=', projectId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
