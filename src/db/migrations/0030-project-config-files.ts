/**
 * Frozen: the project file (berth.project.json) last applied to each project, so the project page can say
 * whether the server still matches it (drift). `file_json` is the file as applied (secret values are never
 * in it: only {"secret": true} placeholders); one row per project, replaced by each apply.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('project_config_files')
    .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('file_json', 'text', (c) => c.notNull())
    .addColumn('file_hash', 'text', (c) => c.notNull())
    .addColumn('applied_by', 'text')
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('project_config_files').execute();
}
