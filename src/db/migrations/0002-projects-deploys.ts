/** Frozen: projects, environments, app services, their variables, and deployments. */
import { sql, type Kysely } from 'kysely';

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute();

  await db.schema
    .createTable('environments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('environments_project_name', ['project_id', 'name'])
    .execute();

  await db.schema
    .createTable('services')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('app', 'database')`))
    // JSON documents, validated by the service layer before they are written.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('build', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('port', 'integer', (c) => c.notNull().defaultTo(3000))
    .addColumn('healthcheck', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('resources', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('replicas', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('release_command', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('services_environment_name', ['environment_id', 'name'])
    .execute();

  await db.schema
    .createTable('variables')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value_encrypted', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('variables_service_key', ['service_id', 'key'])
    .execute();

  await db.schema
    .createTable('deployments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('triggered_by', 'text')
    .addColumn('commit_sha', 'text')
    .addColumn('commit_message', 'text')
    .addColumn('commit_author', 'text')
    .addColumn('image', 'text')
    .addColumn('rollback_of', 'text')
    .addColumn('error', 'text')
    .addColumn('phase_timings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createIndex('deployments_service_created')
    .on('deployments')
    .columns(['service_id', 'created_at'])
    .execute();
  await db.schema.createIndex('deployments_status').on('deployments').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['deployments', 'variables', 'services', 'environments', 'projects']) {
    await db.schema.dropTable(table).execute();
  }
}
