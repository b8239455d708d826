/** SQL for config files: the berth.json each deployment applied (deployments.config_file_json) and the environment's name. */
import type { Executor } from '../db/executor.js';
import type { AppliedConfigFile } from './repo-config.types.js';

export async function recordConfigFile(db: Executor, deploymentId: string, file: AppliedConfigFile): Promise<void> {
  await db
    .updateTable('deployments')
    .set({ config_file_json: JSON.stringify(file) })
    .where('id', '=', deploymentId)
    .execute();
}

export async function configFileOfDeployment(db: Executor, deploymentId: string): Promise<AppliedConfigFile | null> {
  const row = await db
    .selectFrom('deployments')
    .select('config_file_json')
    .where('id', '=', deploymentId)
    .executeTakeFirst();
  return row?.config_file_json ? (JSON.parse(row.config_file_json) as AppliedConfigFile) : null;
}

/** The config file of the service's live deployment, else of its newest one that got as far as reading it. */
export async function latestConfigFile(
  db: Executor,
  serviceId: string,
): Promise<{ deploymentId: string; file: AppliedConfigFile | null } | undefined> {
  const row =
    (await db
      .selectFrom('deployments')
      .select(['id', 'config_file_json'])
      .where('service_id', '=', serviceId)
      .where('status', '=', 'active')
      .executeTakeFirst()) ??
    (await db
      .selectFrom('deployments')
      .select(['id', 'config_file_json'])
      .where('service_id', '=', serviceId)
      .where('config_file_json', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst());
  if (!row) return undefined;
  return {
    deploymentId: row.id,
    file: row.config_file_json ? (JSON.parse(row.config_file_json) as AppliedConfigFile) : null,
  };
}

export async function environmentName(db: Executor, environmentId: string): Promise<string | null> {
  const row = await db.selectFrom('environments').select('name').where('id', '=', environmentId).executeTakeFirst();
  return row?.name ?? null;
}
