/**
 * Frozen: the settings a deployment ran with (`settings_json`: source, build, port, health check,
 * resources, replicas, release command as JSON; no credential), so the panel can say when the stored
 * settings differ from what runs ("changes pending"). Rows from before this migration have none.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('settings_json', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').dropColumn('settings_json').execute();
}
