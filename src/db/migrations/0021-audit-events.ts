/**
 * Frozen: the audit log. One row per change or sign-in: when, who (a user, a token, the system, a git push,
 * a webhook; kept as it was then, so renames and deletes do not rewrite history), what (a dotted action),
 * which object, the project (for filtering; no foreign key: rows outlive their project), where from, the
 * outcome, and a before → after diff whose secret values are already replaced by "set"/"changed"/"removed".
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .addColumn('actor_kind', 'text', (c) =>
      c.notNull().check(sql`actor_kind in ('user', 'token', 'system', 'git-push', 'webhook', 'anonymous')`),
    )
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_email', 'text')
    .addColumn('actor_token_id', 'text')
    .addColumn('actor_token_name', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text')
    .addColumn('object_id', 'text')
    .addColumn('object_name', 'text')
    .addColumn('project_id', 'text')
    .addColumn('address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
    .addColumn('status_code', 'integer')
    .addColumn('detail', 'text')
    .addColumn('changes', 'text')
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema.createIndex('audit_events_project').on('audit_events').columns(['project_id', 'id']).execute();
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'object_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_events').execute();
}
