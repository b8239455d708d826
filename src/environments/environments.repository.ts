/** SQL for environments beyond what projects/ reads: insert, rename, delete, and copying sealed rows. */
import { inTransaction, type Executor } from '../db/executor.js';
import type { StoredCredentials } from '../projects/credentials.repository.js';
import type { AppService } from '../projects/service.types.js';
import { insertAppService } from '../projects/services.repository.js';

export async function insertEnvironment(
  db: Executor,
  environment: { id: string; projectId: string; name: string; createdAt: string },
): Promise<void> {
  await db
    .insertInto('environments')
    .values({
      id: environment.id,
      project_id: environment.projectId,
      name: environment.name,
      created_at: environment.createdAt,
      kind: 'standard',
    })
    .execute();
}

export async function renameEnvironmentRow(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('environments').set({ name }).where('id', '=', id).execute();
}

/** Deletes the row (its services must be gone first: their teardown stops containers the rows describe). */
export async function deleteEnvironmentRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('environments').where('id', '=', id).execute();
}

/** How many services (apps and databases) each environment of the project has, by environment id. */
export async function countServicesByEnvironment(db: Executor, projectId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('services')
    .select(['environment_id'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .groupBy('environment_id')
    .execute();
  return new Map(rows.map((r) => [r.environment_id, Number(r.n)]));
}

/** The sealed variables and git credentials of one app service, to be copied byte for byte. */
export async function readSealedRowsOfService(
  db: Executor,
  serviceId: string,
): Promise<{
  variables: Array<{ key: string; value_encrypted: string; secret: number }>;
  credentials: StoredCredentials | undefined;
}> {
  const variables = await db
    .selectFrom('variables')
    .select(['key', 'value_encrypted', 'secret'])
    .where('service_id', '=', serviceId)
    .execute();
  const row = await db
    .selectFrom('service_credentials')
    .selectAll()
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  const credentials = row && {
    serviceId: row.service_id,
    kind: row.kind,
    username: row.username,
    secretEncrypted: row.secret_encrypted,
    updatedAt: row.updated_at,
  };
  return { variables, credentials };
}

/**
 * Inserts the copy of an app service with its variables (ciphertext as stored: references stay references,
 * secrets are never decrypted) and its git credentials, in one transaction.
 */
export async function insertServiceCopy(
  db: Executor,
  copy: AppService,
  sealed: Awaited<ReturnType<typeof readSealedRowsOfService>>,
  newVariableId: () => string,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await insertAppService(trx, copy);
    if (sealed.variables.length > 0) {
      await trx
        .insertInto('variables')
        .values(
          sealed.variables.map((v) => ({
            id: newVariableId(),
            service_id: copy.id,
            key: v.key,
            value_encrypted: v.value_encrypted,
            secret: v.secret,
            updated_at: copy.createdAt,
          })),
        )
        .execute();
    }
    if (sealed.credentials) {
      await trx
        .insertInto('service_credentials')
        .values({
          service_id: copy.id,
          kind: sealed.credentials.kind,
          username: sealed.credentials.username,
          secret_encrypted: sealed.credentials.secretEncrypted,
          updated_at: copy.createdAt,
        })
        .execute();
    }
  });
}
