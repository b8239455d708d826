/**
 * Frozen: what a deployment was meant to run. `variables_encrypted` is the AES-256-GCM sealed JSON of the
 * environment the deployment ran with (a rollback restores it); `built_from` says where its code came
 * from: 'url' (the git source's branch, fetched at deploy time), 'push' (a commit pushed to Berth's own
 * remote) or 'image'. Rows from before this migration have neither.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('variables_encrypted', 'text').execute();
  await db.schema
    .alterTable('deployments')
    .addColumn('built_from', 'text', (c) => c.check(sql`built_from in ('url', 'push', 'image')`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').dropColumn('built_from').execute();
  await db.schema.alterTable('deployments').dropColumn('variables_encrypted').execute();
}
