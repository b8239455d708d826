/**
 * Frozen: worker processes (issue 19): Procfile process types beyond `web`, run as their own containers.
 * - deployments.process_types: JSON {"<type>": "<command>"} of the release's non-web process types, read
 *   from its Procfile at build time (null: none, or a row older than 0026). A rollback copies it.
 * - service_processes: the replica count chosen per service and process type (no row: 1; 0 = off). Kept
 *   when a type leaves the Procfile (it comes back with the same count); deleted with the service.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('process_types', 'text').execute();
  await db.schema
    .createTable('service_processes')
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('process_type', 'text', (c) => c.notNull())
    .addColumn('replicas', 'integer', (c) => c.notNull().check(sql`replicas between 0 and 20`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_processes_pk', ['service_id', 'process_type'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('service_processes').execute();
  await db.schema.alterTable('deployments').dropColumn('process_types').execute();
}
