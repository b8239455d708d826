/** SQL for app services. JSON columns (source, build, healthcheck, resources) are parsed here. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor.js';
import type { ServicesTable } from '../db/schema.js';
import type { ServiceSettings } from './service-settings.js';
import { DEFAULT_HEALTHCHECK, type AppService, type HealthCheck } from './service.types.js';

type ServiceRow = Selectable<ServicesTable>;

/**
 * How "no port set, use the image's" is stored: the column predates it and is NOT NULL (SQLite cannot
 * drop that without rebuilding the table), and 0 is never a valid port. Rows from before keep theirs.
 */
const NO_PORT = 0;

function toAppService(row: ServiceRow): AppService {
  // An empty object is the column's default: rows written by Berth always hold a full health check.
  const healthcheck = JSON.parse(row.healthcheck) as Partial<HealthCheck>;
  return {
    id: row.id,
    projectId: row.project_id,
    environmentId: row.environment_id,
    name: row.name,
    source: JSON.parse(row.source) as AppService['source'],
    build: JSON.parse(row.build) as AppService['build'],
    port: row.port === NO_PORT ? null : row.port,
    healthcheck: healthcheck.type ? (healthcheck as HealthCheck) : DEFAULT_HEALTHCHECK,
    resources: JSON.parse(row.resources) as AppService['resources'],
    replicas: row.replicas,
    releaseCommand: row.release_command,
    startCommand: row.start_command ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function settingsColumns(settings: ServiceSettings) {
  return {
    build: JSON.stringify(settings.build),
    port: settings.port ?? NO_PORT,
    healthcheck: JSON.stringify(settings.healthcheck),
    resources: JSON.stringify(settings.resources),
    replicas: settings.replicas,
    release_command: settings.releaseCommand,
    // Absent (a caller that builds settings field by field): left as stored.
    ...(settings.startCommand !== undefined ? { start_command: settings.startCommand } : {}),
  };
}

export async function insertAppService(db: Executor, service: AppService): Promise<void> {
  await db
    .insertInto('services')
    .values({
      id: service.id,
      project_id: service.projectId,
      environment_id: service.environmentId,
      name: service.name,
      kind: 'app',
      source: JSON.stringify(service.source),
      ...settingsColumns(service),
      created_at: service.createdAt,
      updated_at: service.updatedAt,
    })
    .execute();
}

export async function findAppServiceById(db: Executor, id: string): Promise<AppService | undefined> {
  const row = await db
    .selectFrom('services')
    .selectAll()
    .where('id', '=', id)
    .where('kind', '=', 'app')
    .executeTakeFirst();
  return row && toAppService(row);
}

/** Any service (app or database) of the environment with that name: they share one namespace. */
export async function isServiceNameUsed(db: Executor, environmentId: string, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('services')
    .select('id')
    .where('environment_id', '=', environmentId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The app service (in any project and environment) whose hostname label equals `label`, if any:
 * `<service>-<project>` in production, `<service>-<environment>-<project>` elsewhere.
 */
export async function findAppByHostLabel(
  db: Executor,
  label: string,
): Promise<{ serviceName: string; projectName: string } | undefined> {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .innerJoin('environments', 'environments.id', 'services.environment_id')
    .select(['services.name as serviceName', 'projects.name as projectName'])
    .where('services.kind', '=', 'app')
    .where(
      sql<string>`services.name || '-' || (case when environments.name = 'production' then '' else environments.name || '-' end) || projects.name`,
      '=',
      label,
    )
    .executeTakeFirst();
}

export async function listAppServicesOfProject(db: Executor, projectId: string): Promise<AppService[]> {
  const rows = await db
    .selectFrom('services')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('kind', '=', 'app')
    .orderBy('created_at')
    .orderBy('name')
    .execute();
  return rows.map(toAppService);
}

export async function updateAppService(
  db: Executor,
  id: string,
  change: { source: AppService['source']; settings: ServiceSettings; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('services')
    .set({ source: JSON.stringify(change.source), ...settingsColumns(change.settings), updated_at: change.updatedAt })
    .where('id', '=', id)
    .where('kind', '=', 'app')
    .execute();
}

/** Deletes the row; variables and deployments go with it (foreign key cascade). */
export async function deleteAppServiceRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('services').where('id', '=', id).where('kind', '=', 'app').executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Whether a service (app or database) with this id exists. */
export async function serviceExists(db: Executor, id: string): Promise<boolean> {
  const row = await db.selectFrom('services').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** The id of the service of that kind and name in the environment, if there is one. */
export async function findServiceIdByName(
  db: Executor,
  environmentId: string,
  name: string,
  kind: 'app' | 'database',
): Promise<string | undefined> {
  const row = await db
    .selectFrom('services')
    .select('id')
    .where('environment_id', '=', environmentId)
    .where('name', '=', name)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return row?.id;
}

/** The environment of a service; undefined when the service is gone. */
export async function findEnvironmentOfService(db: Executor, serviceId: string): Promise<string | undefined> {
  const row = await db.selectFrom('services').select('environment_id').where('id', '=', serviceId).executeTakeFirst();
  return row?.environment_id;
}

export async function listServiceIds(db: Executor): Promise<string[]> {
  return (await db.selectFrom('services').select('id').execute()).map((row) => row.id);
}

/**
 * Whose git repository a service reads pushed commits from. Berth's remote keeps one repository per project
 * and service name (`repos/<project>/<service>.git`), owned by the production service that was pushed to.
 * A copy of that service in another environment (a preview made by a branch push, or a staging duplicate)
 * has its own id but the same name, and reads the same repository: its pinned branch there is what a
 * "Deploy now" of the copy builds. Only reads go through this; the owner alone may create or delete it.
 */
export async function repositoryOwnerOf(db: Executor, serviceId: string): Promise<string> {
  const row = await db
    .selectFrom('services')
    .innerJoin('environments', 'environments.id', 'services.environment_id')
    .select(['services.project_id as projectId', 'services.name as name', 'environments.name as environment'])
    .where('services.id', '=', serviceId)
    .executeTakeFirst();
  if (!row || row.environment === 'production') return serviceId;
  const owner = await db
    .selectFrom('services')
    .innerJoin('environments', 'environments.id', 'services.environment_id')
    .select('services.id as id')
    .where('services.project_id', '=', row.projectId)
    .where('services.name', '=', row.name)
    .where('services.kind', '=', 'app')
    .where('environments.name', '=', 'production')
    .executeTakeFirst();
  return owner?.id ?? serviceId;
}
