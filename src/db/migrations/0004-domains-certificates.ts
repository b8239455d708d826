/**
 * Frozen: custom domains of app services and the state of each hostname's certificate.
 * Certificates are keyed by hostname, not by domain row, because the panel's own domain has one too.
 * The PEM files live under data/certs/<hostname>/ (0600); the table holds what the panel shows.
 */
import { sql, type Kysely } from 'kysely';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('hostname', 'text', (c) => c.notNull().unique())
    // null: the service's own port (follows it when the setting changes).
    .addColumn('port', 'integer')
    // Set on a www/apex twin: requests are answered with a 308 to this hostname.
    .addColumn('redirect_to', 'text')
    .addColumn('hsts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('domains_service').on('domains').column('service_id').execute();
  await db.schema
    .createTable('certificates')
    .addColumn('hostname', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'issued', 'failed')`))
    .addColumn('issuer', 'text')
    .addColumn('not_before', 'text')
    .addColumn('not_after', 'text')
    .addColumn('last_error', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_attempt_at', 'text')
    .addColumn('next_retry_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('certificates').execute();
  await db.schema.dropTable('domains').execute();
}
