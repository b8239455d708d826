/**
 * Frozen: autoscaling policies, one per app service (issue 16). The autoscaler changes the service's
 * replica count between min and max from a signal (requests per second or CPU per replica) against a
 * target, at most once per cool-down; `last_scaled_at` is when it last did, `last_decision` says in words
 * what it last decided (shown in the panel). Deleted with the service.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('autoscale_policies')
    .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('min_replicas', 'integer', (c) => c.notNull())
    .addColumn('max_replicas', 'integer', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull().check(sql`metric in ('requests', 'cpu')`))
    .addColumn('target', 'integer', (c) => c.notNull())
    .addColumn('cooldown_seconds', 'integer', (c) => c.notNull())
    .addColumn('last_scaled_at', 'text')
    .addColumn('last_decision', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('autoscale_policies').execute();
}
