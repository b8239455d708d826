/** SQL for projects and their environments. Functions take an Executor: the database or a transaction. */
import { inTransaction, type Executor } from '../db/executor.js';
import type { EnvironmentsTable, ProjectsTable } from '../db/schema.js';
import type { Environment } from './service.types.js';

export interface ProjectRow {
  id: string;
  name: string;
  createdAt: string;
}

export interface ProjectSummaryRow extends ProjectRow {
  serviceCount: number;
}

function toProjectRow(row: Pick<ProjectsTable, 'id' | 'name'> & { created_at: string }): ProjectRow {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

function toEnvironment(row: Pick<EnvironmentsTable, 'id' | 'project_id' | 'name'>): Environment {
  return { id: row.id, projectId: row.project_id, name: row.name };
}

/** Inserts a project with its first environment, atomically. */
export async function insertProjectWithEnvironment(
  db: Executor,
  project: { id: string; name: string; createdAt: string },
  environment: { id: string; name: string },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('projects')
      .values({ id: project.id, name: project.name, created_at: project.createdAt })
      .execute();
    await trx
      .insertInto('environments')
      .values({ id: environment.id, project_id: project.id, name: environment.name, created_at: project.createdAt })
      .execute();
  });
}

export async function findProjectById(db: Executor, id: string): Promise<ProjectRow | undefined> {
  const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toProjectRow(row);
}

export async function findProjectByName(db: Executor, name: string): Promise<ProjectRow | undefined> {
  const row = await db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toProjectRow(row);
}

/** Every project with how many services (apps and databases) it has, oldest first. */
export async function listProjectSummaries(db: Executor): Promise<ProjectSummaryRow[]> {
  const rows = await db
    .selectFrom('projects')
    .leftJoin('services', 'services.project_id', 'projects.id')
    .select(['projects.id', 'projects.name', 'projects.created_at'])
    .select((eb) => eb.fn.count<number>('services.id').as('service_count'))
    .groupBy(['projects.id', 'projects.name', 'projects.created_at'])
    .orderBy('projects.created_at')
    .orderBy('projects.name')
    .execute();
  return rows.map((row) => ({ ...toProjectRow(row), serviceCount: Number(row.service_count) }));
}

export async function countServicesOfProject(db: Executor, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('services')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listEnvironments(db: Executor, projectId: string): Promise<Environment[]> {
  const rows = await db
    .selectFrom('environments')
    .select(['id', 'project_id', 'name'])
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .execute();
  return rows.map(toEnvironment);
}

export async function findEnvironmentByName(
  db: Executor,
  projectId: string,
  name: string,
): Promise<Environment | undefined> {
  const row = await db
    .selectFrom('environments')
    .select(['id', 'project_id', 'name'])
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toEnvironment(row);
}

export async function findEnvironmentById(db: Executor, id: string): Promise<Environment | undefined> {
  const row = await db
    .selectFrom('environments')
    .select(['id', 'project_id', 'name'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && toEnvironment(row);
}

export async function listProjectIds(db: Executor): Promise<string[]> {
  return (await db.selectFrom('projects').select('id').execute()).map((row) => row.id);
}

/** Deletes the project; environments, services, variables and deployments go with it (foreign key cascade). */
export async function deleteProjectRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** SQLite's UNIQUE constraint failure, as raised by better-sqlite3. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
