/** SQL for worker processes (0026): a release's process types and the replica count per service and type. */
import type { Executor } from '../db/executor.js';

/** No row for a process type: it runs one replica. */
export const DEFAULT_WORKER_REPLICAS = 1;

/** The non-web process types of a deployment's release ({type: command}); {} when it has none. */
export async function processTypesOfDeployment(db: Executor, deploymentId: string): Promise<Record<string, string>> {
  const row = await db
    .selectFrom('deployments')
    .select('process_types')
    .where('id', '=', deploymentId)
    .executeTakeFirst();
  return row?.process_types ? (JSON.parse(row.process_types) as Record<string, string>) : {};
}

export async function recordProcessTypes(
  db: Executor,
  deploymentId: string,
  types: Record<string, string>,
): Promise<void> {
  const json = Object.keys(types).length > 0 ? JSON.stringify(types) : null;
  await db.updateTable('deployments').set({ process_types: json }).where('id', '=', deploymentId).execute();
}

/** The replica count chosen for each process type of a service (types without a row are absent). */
export async function workerReplicasOf(db: Executor, serviceId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('service_processes')
    .select(['process_type', 'replicas'])
    .where('service_id', '=', serviceId)
    .execute();
  return new Map(rows.map((r) => [r.process_type, r.replicas]));
}

export async function setWorkerReplicas(
  db: Executor,
  serviceId: string,
  processType: string,
  replicas: number,
): Promise<void> {
  const updatedAt = new Date().toISOString();
  await db
    .insertInto('service_processes')
    .values({ service_id: serviceId, process_type: processType, replicas, updated_at: updatedAt })
    .onConflict((oc) => oc.columns(['service_id', 'process_type']).doUpdateSet({ replicas, updated_at: updatedAt }))
    .execute();
}
