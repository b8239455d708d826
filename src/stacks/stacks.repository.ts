/** SQL of compose stacks (snake_case rows ↔ camelCase domain types). Plain functions over a db. */
import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { StacksTable } from '../db/schema.js';
import type { Stack, StackStatus } from './stack.types.js';

export type StackRow = Selectable<StacksTable>;

export function toStack(row: StackRow): Stack {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    source:
      row.source === 'paste'
        ? { type: 'paste', compose: row.compose ?? '' }
        : { type: 'repo', url: row.repo_url ?? '', branch: row.repo_branch ?? '', path: row.repo_path ?? '' },
    routedService: row.routed_service,
    routedPort: row.routed_port,
    templateId: row.template_id,
    status: row.status,
    error: row.error,
    generation: row.generation,
    volumes: JSON.parse(row.volumes) as string[],
    deployedAt: row.deployed_at,
    environmentId: row.environment_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertStack(db: Executor, row: Insertable<StacksTable>): Promise<void> {
  await db.insertInto('stacks').values(row).execute();
}

export async function findStackRow(db: Executor, id: string): Promise<StackRow | undefined> {
  return db.selectFrom('stacks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listStackRows(db: Executor, projectId?: string): Promise<StackRow[]> {
  let query = db.selectFrom('stacks').selectAll().orderBy('name');
  if (projectId !== undefined) query = query.where('project_id', '=', projectId);
  return query.execute();
}

export async function updateStack(
  db: Executor,
  id: string,
  changes: Partial<Omit<StackRow, 'id' | 'project_id' | 'created_at'>>,
): Promise<void> {
  await db
    .updateTable('stacks')
    .set({ ...changes, updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .execute();
}

export async function setStackStatus(
  db: Executor,
  id: string,
  status: StackStatus,
  extra: {
    error?: string | null;
    generation?: number;
    deployLog?: string;
    deployedAt?: string;
    volumes?: string[];
  } = {},
): Promise<void> {
  await updateStack(db, id, {
    status,
    ...(extra.error !== undefined ? { error: extra.error } : {}),
    ...(extra.generation !== undefined ? { generation: extra.generation } : {}),
    ...(extra.deployLog !== undefined ? { deploy_log: extra.deployLog } : {}),
    ...(extra.deployedAt !== undefined ? { deployed_at: extra.deployedAt } : {}),
    ...(extra.volumes !== undefined ? { volumes: JSON.stringify(extra.volumes) } : {}),
  });
}

export async function deleteStackRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('stacks').where('id', '=', id).execute();
}

/** Whether a stack or a service (app or database) of the project already has the name (they share hostnames). */
export async function isNameTaken(db: Executor, projectId: string, name: string): Promise<boolean> {
  const stack = await db
    .selectFrom('stacks')
    .select('id')
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (stack) return true;
  const service = await db
    .selectFrom('services')
    .select('id')
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
  return service !== undefined;
}

export async function projectNameOf(db: Executor, projectId: string): Promise<string | undefined> {
  return (await db.selectFrom('projects').select('name').where('id', '=', projectId).executeTakeFirst())?.name;
}
