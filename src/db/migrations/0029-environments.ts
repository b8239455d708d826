/**
 * Frozen: environments beyond production (issue 18).
 * - shared_variables: project-level variables every environment's services reference as
 *   `${{shared.KEY}}`; sealed like service variables (one SecretBox value per row). Deleted with the project.
 * - environments.kind ('standard' | 'preview'), branch and expires_at: nullable, for preview environments
 *   (null kind reads as 'standard'); nothing sets them yet.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('shared_variables')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value_encrypted', 'text', (c) => c.notNull())
    .addColumn('secret', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('shared_variables_project_key')
    .on('shared_variables')
    .columns(['project_id', 'key'])
    .unique()
    .execute();
  await db.schema
    .alterTable('environments')
    .addColumn('kind', 'text', (c) => c.check(sql`kind in ('standard', 'preview')`))
    .execute();
  await db.schema.alterTable('environments').addColumn('branch', 'text').execute();
  await db.schema.alterTable('environments').addColumn('expires_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('environments').dropColumn('expires_at').execute();
  await db.schema.alterTable('environments').dropColumn('branch').execute();
  await db.schema.alterTable('environments').dropColumn('kind').execute();
  await db.schema.dropTable('shared_variables').execute();
}
