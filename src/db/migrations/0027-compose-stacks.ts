/**
 * Frozen: compose stacks (issue 19).
 * - stacks: a docker-compose file run as one unit in a project: its text (pasted, or null when it is read
 *   from a git repository at repo_url/repo_branch/repo_path), which of its services and port gets the
 *   stack's domain, its variables (one sealed JSON object {KEY: {value, secret}}), the template it was
 *   installed from, the deploy state (status, error, the generation the running containers carry, the volumes deploys made, the
 *   last deploy's log). Deleted with its project.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('stacks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('paste', 'repo')`))
    .addColumn('compose', 'text')
    .addColumn('repo_url', 'text')
    .addColumn('repo_branch', 'text')
    .addColumn('repo_path', 'text')
    .addColumn('routed_service', 'text', (c) => c.notNull())
    .addColumn('routed_port', 'integer', (c) => c.notNull())
    .addColumn('variables', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('created', 'deploying', 'running', 'failed')`))
    .addColumn('error', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('volumes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('deploy_log', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('deployed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stacks_project_name').on('stacks').columns(['project_id', 'name']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('stacks').execute();
}
