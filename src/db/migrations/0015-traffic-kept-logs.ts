/**
 * Frozen: what the proxy saw and what containers printed, kept past the request and the container.
 * - traffic_samples: per service and window (10 s, rolled up to 1 h), request counts by status class,
 *   bytes and a sparse latency histogram (JSON, src/traffic/latency-histogram.ts).
 * - request_log: one row per proxied request (no query string), capped per service by rows and age.
 * - runtime_log_lines: a deployment's container output with the time each line was read, capped per service.
 * Times are epoch milliseconds (range queries and retention compare numbers).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('traffic_samples')
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('resolution', 'text', (c) => c.notNull().check(sql`resolution in ('10s', '1h')`))
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('requests', 'integer', (c) => c.notNull())
    .addColumn('status_2xx', 'integer', (c) => c.notNull())
    .addColumn('status_3xx', 'integer', (c) => c.notNull())
    .addColumn('status_4xx', 'integer', (c) => c.notNull())
    .addColumn('status_5xx', 'integer', (c) => c.notNull())
    .addColumn('bytes_in', 'integer', (c) => c.notNull())
    .addColumn('bytes_out', 'integer', (c) => c.notNull())
    .addColumn('latency', 'text', (c) => c.notNull())
    .addColumn('log_dropped', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('traffic_samples_by_service')
    .on('traffic_samples')
    .columns(['service_id', 'resolution', 'at'])
    .execute();

  await db.schema
    .createTable('request_log')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'real', (c) => c.notNull())
    .addColumn('bytes_in', 'integer', (c) => c.notNull())
    .addColumn('bytes_out', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('request_log_by_service').on('request_log').columns(['service_id', 'at']).execute();

  await db.schema
    .createTable('runtime_log_lines')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('container_id', 'text', (c) => c.notNull())
    .addColumn('replica', 'integer', (c) => c.notNull())
    .addColumn('at', 'integer', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('runtime_log_lines_by_deployment')
    .on('runtime_log_lines')
    .columns(['deployment_id', 'id'])
    .execute();
  await db.schema
    .createIndex('runtime_log_lines_by_service')
    .on('runtime_log_lines')
    .columns(['service_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('runtime_log_lines').execute();
  await db.schema.dropTable('request_log').execute();
  await db.schema.dropTable('traffic_samples').execute();
}
