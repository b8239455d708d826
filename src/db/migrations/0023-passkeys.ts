/**
 * Frozen: passkeys (WebAuthn).
 * - passkeys: one row per registered credential of a user. `credential_id` and `public_key` are base64url
 *   (the COSE public key as the authenticator gave it); `counter` is the last signature counter seen (a
 *   lower or equal one is refused, except from authenticators that always report 0); `transports` is a
 *   comma-separated list of hints for the browser; `name` is the user's label.
 * - webauthn_challenges: short-lived challenges, each taken (deleted) by the one ceremony that uses it, so
 *   a challenge cannot be answered twice. `purpose` keeps a registration challenge from signing someone in.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('credential_id', 'text', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('challenge', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', (c) =>
      c.notNull().check(sql`purpose in ('register', 'second-factor', 'passwordless')`),
    )
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webauthn_challenges').execute();
  await db.schema.dropIndex('passkeys_user').execute();
  await db.schema.dropTable('passkeys').execute();
}
