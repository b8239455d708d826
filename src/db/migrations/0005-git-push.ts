/**
 * Frozen: git push and webhooks. Users' SSH public keys (for the built-in SSH remote), per-service hook
 * secrets (the webhook signing secret and the generic deploy-hook token, both AES-256-GCM ciphertext so the
 * panel can show them again) and the webhook delivery log, unique per delivery id so redeliveries are no-ops.
 */
import { sql, type Kysely } from 'kysely';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ssh_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema
    .createTable('service_hooks')
    .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('webhook_secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('deploy_token_encrypted', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('branch', 'text')
    .addColumn('commit_sha', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('deployment_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('webhook_deliveries_once', ['service_id', 'provider', 'delivery_id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_by_service')
    .on('webhook_deliveries')
    .columns(['service_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('service_hooks').execute();
  await db.schema.dropTable('ssh_keys').execute();
}
