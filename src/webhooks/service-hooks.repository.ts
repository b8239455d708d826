/** SQL for per-service hook secrets (service_hooks): both sealed with the SecretBox, one row per service. */
import type { Executor } from '../db/executor.js';

export interface SealedHookSecrets {
  webhook_secret_encrypted: string;
  deploy_token_encrypted: string;
}

export async function findSealedHookSecrets(db: Executor, serviceId: string): Promise<SealedHookSecrets | undefined> {
  return db
    .selectFrom('service_hooks')
    .select(['webhook_secret_encrypted', 'deploy_token_encrypted'])
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
}

export async function upsertSealedHookSecrets(
  db: Executor,
  serviceId: string,
  values: SealedHookSecrets,
): Promise<void> {
  await db
    .insertInto('service_hooks')
    .values({ service_id: serviceId, ...values })
    .onConflict((oc) => oc.column('service_id').doUpdateSet(values))
    .execute();
}
