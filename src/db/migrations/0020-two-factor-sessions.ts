/**
 * Frozen: two-factor authentication and the session list.
 * - user_totp: one TOTP secret per user (sealed with the SecretBox); `enabled_at` null while enrolment waits
 *   for its first code; `last_step` is the last accepted time step, so a code cannot be used twice.
 * - recovery_codes: SHA-256 of each one-time recovery code; `used_at` once spent.
 * - sessions gain who and where: the signed-in user, when it began, when it was last seen, the address and
 *   user agent at sign-in, and `revoked_at` (a revoked row stays until the sweep, so a request still in flight
 *   cannot bring it back by saving it).
 * Single sign-on settings live in the settings table (small named values), so they need no table.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_totp')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('enabled_at', 'text')
    .addColumn('last_step', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();

  await db.schema.alterTable('sessions').addColumn('user_id', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('created_at', 'integer').execute();
  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'integer').execute();
  await db.schema.alterTable('sessions').addColumn('ip', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('revoked_at', 'integer').execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  // Sessions from before this migration have no owner column: they end, and people sign in again.
  await sql`delete from sessions`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_user').execute();
  for (const column of ['revoked_at', 'user_agent', 'ip', 'last_seen_at', 'created_at', 'user_id']) {
    await db.schema.alterTable('sessions').dropColumn(column).execute();
  }
  await db.schema.dropTable('recovery_codes').execute();
  await db.schema.dropTable('user_totp').execute();
}
