/**
 * Alerts and notifications: where alerts go (notification_channels), which conditions are watched and
 * with which thresholds (alert_rules, one row per kind, seeded with defaults), the alerts themselves (at
 * most one open alert per rule and subject) and every message sent or tried (notification_deliveries).
 */
import { sql, type Kysely } from 'kysely';

const RULES: Array<[kind: string, threshold: number | null, windowSeconds: number | null]> = [
  ['deploy_failed', null, null],
  ['crash_loop', 3, null], // restarts
  ['oom_killed', null, null],
  ['health_failing', null, null],
  ['certificate_expiring', 14, null], // days
  ['certificate_renewal_failed', null, null],
  ['backup_failed', null, null],
  ['backup_missing', 48, null], // hours without a verified backup
  ['disk_usage', 90, null], // percent
  ['cpu_high', 90, 300], // percent over the window
  ['memory_high', 90, 300], // percent of the limit over the window
  ['http_5xx_rate', 5, 300], // percent of requests over the window
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('webhook', 'slack', 'discord', 'email')`))
    // null: a server channel (server-wide alerts and every project's); else only that project's alerts.
    .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secret_encrypted', 'text')
    .addColumn('rate_limit_per_hour', 'integer', (c) => c.notNull().defaultTo(20))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute();

  await db.schema
    .createTable('alert_rules')
    .addColumn('kind', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('threshold', 'real')
    .addColumn('window_seconds', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute();
  await db
    .insertInto('alert_rules' as never)
    .values(RULES.map(([kind, threshold, window]) => ({ kind, threshold, window_seconds: window })) as never)
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'resolved')`))
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  // De-duplication: one open alert per rule and subject, enforced by the database.
  await sql`create unique index alerts_one_open on alerts (rule, subject) where status = 'open'`.execute(db);
  await db.schema.createIndex('alerts_opened').on('alerts').column('opened_at').execute();

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('notification_channels.id').onDelete('cascade'))
    .addColumn('alert_id', 'text', (c) => c.references('alerts.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull().check(sql`event in ('firing', 'resolved', 'test')`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed', 'rate_limited')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema
    .createIndex('deliveries_due')
    .on('notification_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('deliveries_channel')
    .on('notification_deliveries')
    .columns(['channel_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_deliveries').execute();
  await db.schema.dropTable('alerts').execute();
  await db.schema.dropTable('alert_rules').execute();
  await db.schema.dropTable('notification_channels').execute();
}
