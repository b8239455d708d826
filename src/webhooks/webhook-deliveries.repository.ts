/** SQL for the webhook delivery log (webhook_deliveries). */
import type { Executor } from '../db/executor.js';
import type { WebhookDeliveriesTable } from '../db/schema.js';
import type { Insertable } from 'kysely';

export interface Delivery {
  id: string;
  provider: string;
  deliveryId: string;
  event: string;
  branch: string | null;
  commitSha: string | null;
  outcome: string;
  deploymentId: string | null;
  createdAt: string;
}

export async function insertDelivery(db: Executor, row: Insertable<WebhookDeliveriesTable>): Promise<void> {
  await db.insertInto('webhook_deliveries').values(row).execute();
}

export async function settleDelivery(
  db: Executor,
  id: string,
  outcome: string,
  deploymentId: string | null,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ outcome, deployment_id: deploymentId })
    .where('id', '=', id)
    .execute();
}

export async function findDelivery(db: Executor, serviceId: string, provider: string, deliveryId: string) {
  const row = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('provider', '=', provider)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
  return row && toDelivery(row);
}

export async function listDeliveries(db: Executor, serviceId: string, limit = 30): Promise<Delivery[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('service_id', '=', serviceId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}

function toDelivery(row: {
  id: string;
  provider: string;
  delivery_id: string;
  event: string;
  branch: string | null;
  commit_sha: string | null;
  outcome: string;
  deployment_id: string | null;
  created_at: string;
}): Delivery {
  return {
    id: row.id,
    provider: row.provider,
    deliveryId: row.delivery_id,
    event: row.event,
    branch: row.branch,
    commitSha: row.commit_sha,
    outcome: row.outcome,
    deploymentId: row.deployment_id,
    createdAt: row.created_at,
  };
}
