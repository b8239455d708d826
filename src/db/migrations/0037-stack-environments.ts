/**
 * Frozen: compose stacks copied into an environment (issue 18). A duplicate (or a preview) copies the
 * project's stacks under new names; `environment_id` says which environment such a copy belongs to, so
 * that environment's canvas shows it and its delete removes it. Null: a project-wide stack, shown with
 * production, as every stack made before this.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('stacks').addColumn('environment_id', 'text').execute();
  await db.schema.createIndex('stacks_environment').on('stacks').column('environment_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('stacks_environment').execute();
  await sql`alter table stacks drop column environment_id`.execute(db);
}
