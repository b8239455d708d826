/**
 * Frozen: per-project preview settings (issue 18). One row per project that changed them; a project
 * without a row has the defaults (previews off). Deleted with the project.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('preview_settings')
    .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ttl_hours', 'integer', (c) => c.notNull().defaultTo(72))
    .addColumn('max_previews', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('databases', 'text', (c) =>
      c
        .notNull()
        .defaultTo('empty')
        .check(sql`databases in ('empty', 'seed')`),
    )
    .addColumn('memory_mb', 'integer', (c) => c.notNull().defaultTo(256))
    .addColumn('allow_forks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('preview_settings').execute();
}
