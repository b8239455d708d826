/**
 * Frozen: persistent volumes of app services (issue 19).
 * - service_volumes: a named volume of an app service, mounted at an absolute path in every container of
 *   the service; `shared` says the app tolerates old and new containers using it at once during a deploy
 *   (else the deploy stops the old containers before starting the new ones). Deleted with its service.
 * - volume_backups: a tar archive of a volume's contents in the data dir, verified by restoring it into a
 *   scratch volume and comparing every file (path, size, sha256). Deleted with its volume.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_volumes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mount_path', 'text', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('service_volumes_service_name')
    .on('service_volumes')
    .columns(['service_id', 'name'])
    .unique()
    .execute();
  await db.schema
    .createIndex('service_volumes_service_path')
    .on('service_volumes')
    .columns(['service_id', 'mount_path'])
    .unique()
    .execute();

  await db.schema
    .createTable('volume_backups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('volume_id', 'text', (c) => c.notNull().references('service_volumes.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'verified', 'failed')`))
    .addColumn('file_name', 'text')
    .addColumn('size_bytes', 'integer')
    .addColumn('file_count', 'integer')
    .addColumn('sha256', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('restored_at', 'text')
    .execute();
  await db.schema
    .createIndex('volume_backups_volume')
    .on('volume_backups')
    .columns(['volume_id', 'started_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('volume_backups_volume').execute();
  await db.schema.dropTable('volume_backups').execute();
  await db.schema.dropIndex('service_volumes_service_path').execute();
  await db.schema.dropIndex('service_volumes_service_name').execute();
  await db.schema.dropTable('service_volumes').execute();
}
