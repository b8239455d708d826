/** SQL for autoscaling policies. Functions take an Executor: the database or a transaction. */
import type { Executor } from '../db/executor.js';
import type { AutoscalePoliciesTable } from '../db/schema.js';
import type { PolicyInput } from './autoscale-input.js';
import type { AutoscalePolicy } from './autoscale.types.js';

function toPolicy(row: AutoscalePoliciesTable): AutoscalePolicy {
  return {
    serviceId: row.service_id,
    enabled: row.enabled === 1,
    minReplicas: row.min_replicas,
    maxReplicas: row.max_replicas,
    metric: row.metric,
    target: row.target,
    cooldownSeconds: row.cooldown_seconds,
    lastScaledAt: row.last_scaled_at,
    lastDecision: row.last_decision,
    updatedAt: row.updated_at,
  };
}

export async function findPolicy(db: Executor, serviceId: string): Promise<AutoscalePolicy | undefined> {
  const row = await db
    .selectFrom('autoscale_policies')
    .selectAll()
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  return row && toPolicy(row);
}

export async function listEnabledPolicies(db: Executor): Promise<AutoscalePolicy[]> {
  const rows = await db.selectFrom('autoscale_policies').selectAll().where('enabled', '=', 1).execute();
  return rows.map(toPolicy);
}

export async function upsertPolicy(db: Executor, serviceId: string, input: PolicyInput, at: string): Promise<void> {
  const values = {
    enabled: input.enabled ? 1 : 0,
    min_replicas: input.minReplicas,
    max_replicas: input.maxReplicas,
    metric: input.metric,
    target: input.target,
    cooldown_seconds: input.cooldownSeconds,
    updated_at: at,
  };
  await db
    .insertInto('autoscale_policies')
    .values({ service_id: serviceId, ...values })
    .onConflict((oc) => oc.column('service_id').doUpdateSet(values))
    .execute();
}

export async function recordDecision(
  db: Executor,
  serviceId: string,
  decision: string,
  scaledAt: string | undefined,
): Promise<void> {
  await db
    .updateTable('autoscale_policies')
    .set(scaledAt ? { last_decision: decision, last_scaled_at: scaledAt } : { last_decision: decision })
    .where('service_id', '=', serviceId)
    .execute();
}

export async function deletePolicy(db: Executor, serviceId: string): Promise<boolean> {
  const result = await db.deleteFrom('autoscale_policies').where('service_id', '=', serviceId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
