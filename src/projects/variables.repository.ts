/** SQL for service variables. Values arrive here already encrypted; this file never sees plaintext. */
import type { Db } from '../db/connection.js';

export interface SealedVariable {
  key: string;
  valueEncrypted: string;
  updatedAt: string;
}

export async function listSealedVariables(db: Db, serviceId: string): Promise<SealedVariable[]> {
  const rows = await db
    .selectFrom('variables')
    .select(['key', 'value_encrypted', 'updated_at'])
    .where('service_id', '=', serviceId)
    .orderBy('key')
    .execute();
  return rows.map((row) => ({ key: row.key, valueEncrypted: row.value_encrypted, updatedAt: row.updated_at }));
}

export async function findSealedVariable(db: Db, serviceId: string, key: string): Promise<SealedVariable | undefined> {
  const row = await db
    .selectFrom('variables')
    .select(['key', 'value_encrypted', 'updated_at'])
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { key: row.key, valueEncrypted: row.value_encrypted, updatedAt: row.updated_at };
}

interface NewVariable {
  id: string;
  key: string;
  valueEncrypted: string;
}

/** Replaces the service's whole set in one transaction: readers see the old set or the new one. */
export async function replaceSealedVariables(
  db: Db,
  serviceId: string,
  variables: NewVariable[],
  updatedAt: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('variables').where('service_id', '=', serviceId).execute();
    if (variables.length === 0) return;
    await trx
      .insertInto('variables')
      .values(
        variables.map((v) => ({
          id: v.id,
          service_id: serviceId,
          key: v.key,
          value_encrypted: v.valueEncrypted,
          updated_at: updatedAt,
        })),
      )
      .execute();
  });
}

/** Adds or overwrites the given keys, leaving the others alone. */
export async function upsertSealedVariables(
  db: Db,
  serviceId: string,
  variables: NewVariable[],
  updatedAt: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const v of variables) {
      await trx
        .insertInto('variables')
        .values({
          id: v.id,
          service_id: serviceId,
          key: v.key,
          value_encrypted: v.valueEncrypted,
          updated_at: updatedAt,
        })
        .onConflict((oc) =>
          oc.columns(['service_id', 'key']).doUpdateSet({ value_encrypted: v.valueEncrypted, updated_at: updatedAt }),
        )
        .execute();
    }
  });
}

export async function deleteVariableRow(db: Db, serviceId: string, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('variables')
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countVariables(db: Db, serviceId: string): Promise<number> {
  const row = await db
    .selectFrom('variables')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('service_id', '=', serviceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
