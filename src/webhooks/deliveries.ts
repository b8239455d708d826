/** The webhook delivery log: one row per (service, provider, delivery id), so a redelivery finds its first row. */
import type { Db } from '../db/connection.js';
import { newId, nowIso } from '../lib/ids.js';
import { isUniqueViolation } from '../projects/projects.repository.js';
import { findDelivery, insertDelivery, type Delivery } from './webhook-deliveries.repository.js';

export { listDeliveries, settleDelivery, type Delivery } from './webhook-deliveries.repository.js';

/** Records a delivery; returns the earlier row instead when this delivery id was seen before. */
export async function recordDelivery(
  db: Db,
  serviceId: string,
  values: Pick<Delivery, 'provider' | 'deliveryId' | 'event' | 'branch' | 'commitSha' | 'outcome'>,
): Promise<{ delivery: Delivery; isDuplicate: boolean }> {
  const id = newId('whd');
  try {
    await insertDelivery(db, {
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
    });
    return { delivery: (await findDelivery(db, serviceId, values.provider, values.deliveryId))!, isDuplicate: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return { delivery: (await findDelivery(db, serviceId, values.provider, values.deliveryId))!, isDuplicate: true };
  }
}
