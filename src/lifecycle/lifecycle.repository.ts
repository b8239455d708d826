/** The SQL the lifecycle feature needs that no other repository answers: every owner id, every deployment id. */
import type { Executor } from '../db/executor.js';

/** Ids of every deployment of a service (not capped like the history list), to find its files. */
export async function listDeploymentIdsOfService(db: Executor, serviceId: string): Promise<string[]> {
  const rows = await db.selectFrom('deployments').select('id').where('service_id', '=', serviceId).execute();
  return rows.map((row) => row.id);
}

/** Ids of every project and of every service (apps and databases): the owners a Docker object may name. */
export async function listOwnerIds(db: Executor): Promise<{ projects: Set<string>; services: Set<string> }> {
  const projects = await db.selectFrom('projects').select('id').execute();
  const services = await db.selectFrom('services').select('id').execute();
  return { projects: new Set(projects.map((r) => r.id)), services: new Set(services.map((r) => r.id)) };
}
