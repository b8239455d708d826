/**
 * Frozen: an app service's stored start command (issue 18, project as code): the containers' command when
 * the repository's berth.json sets no `start`. Null: the image's (or the Procfile's) command.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('services').addColumn('start_command', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('services').dropColumn('start_command').execute();
}
