/**
 * Frozen: custom domains of compose stacks (issue 19). A domain routes to the stack's routed service and
 * port; deleted with its stack. A hostname belongs to one app service or one stack: the rules check both
 * tables before an insert (src/domains/stack-domains.service.ts), each table's own index backs its side.
 */
import { sql, type Kysely } from 'kysely';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stack_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stack_id', 'text', (c) => c.notNull().references('stacks.id').onDelete('cascade'))
    .addColumn('hostname', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('stack_domains_stack').on('stack_domains').column('stack_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stack_domains').execute();
}
