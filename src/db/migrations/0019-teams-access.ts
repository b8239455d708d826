/**
 * Frozen: teams and access. `users.is_owner` marks the one owner (a partial unique index keeps it one;
 * the role column's check cannot change in SQLite without rebuilding a table other tables cascade from),
 * and the earliest admin becomes it. Per-project grants in `project_members`; invitations stored by the
 * hash of their one-time token; API tokens gain a scope (one project or all), a role, read-only and expiry.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('is_owner', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`CREATE UNIQUE INDEX users_one_owner ON users (is_owner) WHERE is_owner = 1`.execute(db);
  await sql`UPDATE users SET is_owner = 1 WHERE id = (
    SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, id LIMIT 1)`.execute(db);

  await db.schema
    .createTable('project_members')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'developer', 'viewer')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
    .execute();
  await db.schema.createIndex('project_members_user').on('project_members').column('user_id').execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('server_role', 'text', (c) => c.notNull().check(sql`server_role in ('admin', 'member')`))
    // JSON: [{"projectId", "role"}]
    .addColumn('grants', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('used_by', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .alterTable('api_tokens')
    .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
    .execute();
  await db.schema
    .alterTable('api_tokens')
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .defaultTo('admin')
        .check(sql`role in ('admin', 'developer', 'viewer')`),
    )
    .execute();
  await db.schema
    .alterTable('api_tokens')
    .addColumn('read_only', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['expires_at', 'read_only', 'role', 'project_id']) {
    await db.schema.alterTable('api_tokens').dropColumn(column).execute();
  }
  await db.schema.dropTable('invitations').execute();
  await db.schema.dropTable('project_members').execute();
  await sql`DROP INDEX users_one_owner`.execute(db);
  await db.schema.alterTable('users').dropColumn('is_owner').execute();
}
