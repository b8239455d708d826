/**
 * Frozen: git credentials of app services (an access token or a deploy key), one row per service.
 * The secret is AES-256-GCM ciphertext (src/lib/secret-box.ts); kind and username are not secret and
 * stay readable so the panel and the API can say what is set without decrypting anything.
 */
import { sql, type Kysely } from 'kysely';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_credentials')
    .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('token', 'ssh-key')`))
    .addColumn('username', 'text')
    .addColumn('secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('service_credentials').execute();
}
