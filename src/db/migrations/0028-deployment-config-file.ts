/**
 * Frozen: the berth.json a deployment applied (`config_file_json`: {"path", "environment", "settings"} as
 * JSON; the settings hold references, never secret values), so the panel and API can say which settings
 * came from the repository. Null: the deployment's source had no berth.json (or the row is older).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('config_file_json', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').dropColumn('config_file_json').execute();
}
