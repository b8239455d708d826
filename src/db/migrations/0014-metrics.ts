/**
 * Frozen: resource metrics. `metric_series` maps a series key (a service id, or '@server' for the host) to
 * a small integer so the many sample rows stay small. `metric_samples` holds one row per series, resolution
 * (10, 60 or 3600 s) and bucket start (unix seconds). Counters are stored as what was used within the bucket
 * (CPU ms, bytes), gauges as average and maximum; `span_ms` is the wall time the counters cover, so rates
 * and averages stay right across gaps. Integers only: SQLite stores small integers in 1 to 4 bytes.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('metric_series')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .execute();
  await sql`
    CREATE TABLE metric_samples (
      series INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
      resolution INTEGER NOT NULL CHECK (resolution IN (10, 60, 3600)),
      ts INTEGER NOT NULL,
      samples INTEGER NOT NULL,
      span_ms INTEGER NOT NULL,
      cpu_ms INTEGER NOT NULL,
      memory_avg INTEGER NOT NULL,
      memory_max INTEGER NOT NULL,
      memory_limit INTEGER NOT NULL,
      net_rx INTEGER NOT NULL,
      net_tx INTEGER NOT NULL,
      blk_read INTEGER NOT NULL,
      blk_write INTEGER NOT NULL,
      restarts INTEGER NOT NULL,
      containers INTEGER NOT NULL,
      disk_bytes INTEGER,
      PRIMARY KEY (series, resolution, ts)
    ) WITHOUT ROWID`.execute(db);
  // Retention deletes by resolution and age across all series.
  await sql`CREATE INDEX metric_samples_age ON metric_samples (resolution, ts)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('metric_samples').execute();
  await db.schema.dropTable('metric_series').execute();
}
