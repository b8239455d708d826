/** The webhook delivery log: one row per (service, provider, delivery id), so a redelivery finds its first row. */
import type { Db } from '../db/connection.js';
import { newId, nowIso } from '../lib/ids.js';
import { isUniqueViolation } from '../projects/projects.repository.js';

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

/** Records a delivery; returns the earlier row instead when this delivery id was seen before. */
export async function recordDelivery(
  db: Db,
  serviceId: string,
  values: Pick<Delivery, 'provider' | 'deliveryId' | 'event' | 'branch' | 'commitSha' | 'outcome'>,
): Promise<{ delivery: Delivery; isDuplicate: boolean }> {
  const id = newId('whd');
  try {
    await db
      .insertInto('webhook_deliveries')
      .values({
        id,
        service_id: serviceId,
        provider: values.provider,
        delivery_id: values.deliveryId,
        event: values.event,
        branch: values.branch,
        commit_sha: values.commitSha,
        outcome: values.outcome,
        deployment_id: null,
        created_at: nowIso(),
      })
      .execute();
    return { delivery: (await findDelivery(db, serviceId, values.provider, values.deliveryId))!, isDuplicate: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return { delivery: (await findDelivery(db, serviceId, values.provider, values.deliveryId))!, isDuplicate: true };
  }
}

export async function settleDelivery(db: Db, id: string, outcome: string, deploymentId: string | null): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ outcome, deployment_id: deploymentId })
    .where('id', '=', id)
    .execute();
}

async function findDelivery(db: Db, serviceId: string, provider: string, deliveryId: string) {
  const row = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('provider', '=', provider)
    .where('delivery_id', '=', deliveryId)
    .executeTakeFirst();
  return row && toDelivery(row);
}

export async function listDeliveries(db: Db, serviceId: string, limit = 30): Promise<Delivery[]> {
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
