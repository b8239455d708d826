/**
 * Frozen: a per-variable "secret" flag. Deployment logs redact the values of secret variables (and of
 * variables whose names say they are secret); other values are shown as they are.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('variables')
    .addColumn('secret', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`secret in (0, 1)`),
    )
    .execute();
}
