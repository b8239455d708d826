/**
 * Frozen: which output of the container a kept runtime log line came from (`stream`: 'stdout' or 'stderr'),
 * so kept logs can be filtered like the live log. Lines kept before this migration (and Berth's own marker
 * lines) have none: they show only when no stream is picked.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('runtime_log_lines')
    .addColumn('stream', 'text', (c) => c.check(sql`stream in ('stdout', 'stderr')`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runtime_log_lines').dropColumn('stream').execute();
}
