/**
 * Frozen: managed databases and their backups. A database is a service row (kind 'database', so app and
 * database names share one namespace per environment) plus this table's engine details. Credentials are
 * one AES-256-GCM sealed JSON document (src/lib/secret-box.ts).
 */
import { sql, type Kysely } from 'kysely';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('databases')
    .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('engine', 'text', (c) =>
      c.notNull().check(sql`engine in ('postgres', 'mysql', 'mariadb', 'redis', 'mongo')`),
    )
    .addColumn('image', 'text', (c) => c.notNull())
    .addColumn('credentials_encrypted', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('creating', 'running', 'stopped', 'failed')`))
    .addColumn('container_id', 'text')
    .addColumn('volume_name', 'text', (c) => c.notNull())
    .addColumn('memory_mb', 'integer')
    .addColumn('cpus', 'real')
    .addColumn('public_host', 'text')
    .addColumn('public_port', 'integer')
    .addColumn('backup_schedule', 'text')
    .addColumn('backup_keep', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('backups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('database_id', 'text', (c) => c.notNull().references('databases.service_id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'verified', 'failed')`))
    .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger in ('manual', 'schedule')`))
    .addColumn('file_name', 'text')
    .addColumn('size_bytes', 'integer')
    .addColumn('sha256', 'text')
    .addColumn('dump_ms', 'integer')
    .addColumn('verify_ms', 'integer')
    // JSON: { "<table or keyspace>": count } seen in the source and in the restored copy.
    .addColumn('source_counts', 'text')
    .addColumn('restored_counts', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('backups_database').on('backups').columns(['database_id', 'started_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('backups').execute();
  await db.schema.dropTable('databases').execute();
}
