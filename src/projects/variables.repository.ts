/** SQL for service variables. Values arrive here already encrypted; this file never sees plaintext. */
import { inTransaction, type Executor } from '../db/executor.js';

export interface SealedVariable {
  key: string;
  valueEncrypted: string;
  /** The user marked it secret (deployment logs redact its value). */
  secret: boolean;
  updatedAt: string;
}

function toSealed(row: { key: string; value_encrypted: string; secret: number; updated_at: string }): SealedVariable {
  return { key: row.key, valueEncrypted: row.value_encrypted, secret: row.secret === 1, updatedAt: row.updated_at };
}

export async function listSealedVariables(db: Executor, serviceId: string): Promise<SealedVariable[]> {
  const rows = await db
    .selectFrom('variables')
    .select(['key', 'value_encrypted', 'secret', 'updated_at'])
    .where('service_id', '=', serviceId)
    .orderBy('key')
    .execute();
  return rows.map(toSealed);
}

/** The variables of many services in one query (a project page), by service id. */
export async function listSealedVariablesOfServices(
  db: Executor,
  serviceIds: readonly string[],
): Promise<Map<string, SealedVariable[]>> {
  const byService = new Map<string, SealedVariable[]>(serviceIds.map((id) => [id, []]));
  if (serviceIds.length === 0) return byService;
  const rows = await db
    .selectFrom('variables')
    .select(['service_id', 'key', 'value_encrypted', 'secret', 'updated_at'])
    .where('service_id', 'in', serviceIds)
    .orderBy('key')
    .execute();
  for (const row of rows) byService.get(row.service_id)?.push(toSealed(row));
  return byService;
}

export async function findSealedVariable(
  db: Executor,
  serviceId: string,
  key: string,
): Promise<SealedVariable | undefined> {
  const row = await db
    .selectFrom('variables')
    .select(['key', 'value_encrypted', 'secret', 'updated_at'])
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && toSealed(row);
}

interface NewVariable {
  id: string;
  key: string;
  valueEncrypted: string;
  secret: boolean;
}

/** Replaces the service's whole set in one transaction: readers see the old set or the new one. */
export async function replaceSealedVariables(
  db: Executor,
  serviceId: string,
  variables: NewVariable[],
  updatedAt: string,
): Promise<void> {
  await inTransaction(db, async (trx) => {
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
          secret: v.secret ? 1 : 0,
          updated_at: updatedAt,
        })),
      )
      .execute();
  });
}

/** Adds or overwrites the given keys, leaving the others alone. */
export async function upsertSealedVariables(
  db: Executor,
  serviceId: string,
  variables: NewVariable[],
  updatedAt: string,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    for (const v of variables) {
      await trx
        .insertInto('variables')
        .values({
          id: v.id,
          service_id: serviceId,
          key: v.key,
          value_encrypted: v.valueEncrypted,
          secret: v.secret ? 1 : 0,
          updated_at: updatedAt,
        })
        .onConflict((oc) =>
          oc
            .columns(['service_id', 'key'])
            .doUpdateSet({ value_encrypted: v.valueEncrypted, secret: v.secret ? 1 : 0, updated_at: updatedAt }),
        )
        .execute();
    }
  });
}

export async function setVariableSecret(
  db: Executor,
  serviceId: string,
  key: string,
  secret: boolean,
): Promise<boolean> {
  const result = await db
    .updateTable('variables')
    .set({ secret: secret ? 1 : 0 })
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteVariableRow(db: Executor, serviceId: string, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('variables')
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function countVariables(db: Executor, serviceId: string): Promise<number> {
  const row = await db
    .selectFrom('variables')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('service_id', '=', serviceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
