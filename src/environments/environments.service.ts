/**
 * Environments of a project (issue 18): `production` (made with the project, never deleted) and any
 * number of others, each with its own services, variables, databases and Docker network. Creating one
 * makes an empty environment; duplicate.ts copies one; deleting one tears down every service and
 * database in it through their own delete paths, then its network and its row.
 */
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { checkName } from '../projects/names.js';
import { isProduction, projectInEnvironment } from '../projects/environment-scope.js';
import { findEnvironmentByName, isUniqueViolation } from '../projects/projects.repository.js';
import { getProject } from '../projects/projects.service.js';
import type { Environment } from '../projects/service.types.js';
import { listAppServicesOfProject } from '../projects/services.repository.js';
import type { EnvironmentsDeps } from './environment-ports.js';
import {
  countServicesByEnvironment,
  deleteEnvironmentRow,
  insertEnvironment,
  renameEnvironmentRow,
} from './environments.repository.js';

export interface EnvironmentView extends Environment {
  isProduction: boolean;
  /** Apps and databases in it. */
  serviceCount: number;
  /** Its Docker network. */
  networkName: string;
}

export function nameTaken(name: string): AppError {
  return new AppError('CONFLICT', `The project already has an environment named "${name}". Choose another name.`, {
    details: { name: 'taken' },
  });
}

export function productionProtected(action: string): AppError {
  return new AppError('CONFLICT', `The production environment cannot be ${action}.`, {
    details: { environment: 'production is protected' },
  });
}

export class EnvironmentsService {
  /** Deletes (and duplicates) in progress, by environment id or `<project>/<new name>`. */
  private readonly busy = new Set<string>();

  constructor(readonly deps: EnvironmentsDeps) {}

  async list(projectId: string): Promise<EnvironmentView[]> {
    const project = await getProject(this.deps.db, projectId);
    const counts = await countServicesByEnvironment(this.deps.db, projectId);
    return project.environments.map((environment) => ({
      ...environment,
      isProduction: isProduction(environment),
      serviceCount: counts.get(environment.id) ?? 0,
      networkName: projectInEnvironment(project, environment).networkName,
    }));
  }

  /** The environment called `name` (or with that id), or NOT_FOUND. */
  async get(projectId: string, nameOrId: string): Promise<EnvironmentView> {
    const found = (await this.list(projectId)).find((e) => e.name === nameOrId || e.id === nameOrId);
    if (!found) throw new AppError('NOT_FOUND', `The project has no environment "${nameOrId.slice(0, 63)}".`);
    return found;
  }

  /** Checks a new environment's name: shape, not reserved, not taken. */
  async checkNewName(projectId: string, raw: unknown): Promise<string> {
    const name = checkName(raw, 'environment');
    if (await findEnvironmentByName(this.deps.db, projectId, name)) throw nameTaken(name);
    return name;
  }

  async create(projectId: string, input: { name?: unknown }): Promise<EnvironmentView> {
    await getProject(this.deps.db, projectId);
    const name = await this.checkNewName(projectId, input.name);
    await this.insert(projectId, name);
    return this.get(projectId, name);
  }

  /** Inserts the row; a racing twin loses on the UNIQUE constraint. */
  async insert(projectId: string, name: string): Promise<string> {
    const id = newId('env');
    try {
      await insertEnvironment(this.deps.db, { id, projectId, name, createdAt: nowIso() });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
    return id;
  }

  /**
   * Renames an empty environment (a running service's hostname and containers carry the name, so one
   * with services keeps it). Production keeps its name.
   */
  async rename(projectId: string, nameOrId: string, input: { name?: unknown }): Promise<EnvironmentView> {
    const environment = await this.get(projectId, nameOrId);
    if (environment.isProduction) throw productionProtected('renamed');
    const stacks = (await this.deps.stacks?.list(projectId))?.filter((st) => st.environmentId === environment.id);
    if (environment.serviceCount + (stacks?.length ?? 0) > 0) {
      throw new AppError(
        'CONFLICT',
        `Environment "${environment.name}" has services or stacks; only an empty one can be renamed.`,
      );
    }
    const name = await this.checkNewName(projectId, input.name);
    try {
      await renameEnvironmentRow(this.deps.db, environment.id, name);
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
    return this.get(projectId, name);
  }

  /**
   * Deletes the environment once `confirm` equals its name: its compose stack copies (containers, network,
   * volumes), every app service (containers, routes, volumes, cron jobs, domains: the lifecycle teardown),
   * every database (container, volume, backups), then its
   * network and its row. Returns what was done, in order.
   */
  async remove(projectId: string, nameOrId: string, input: { confirm?: unknown }): Promise<string[]> {
    const environment = await this.get(projectId, nameOrId);
    if (environment.isProduction) throw productionProtected('deleted');
    if (input.confirm !== environment.name) {
      throw new AppError(
        'CONFIRMATION_REQUIRED',
        `Type the environment's name ("${environment.name}") to delete it, e.g. {"confirm": "${environment.name}"}. Nothing was deleted.`,
        { details: { confirm: 'must equal the environment name' } },
      );
    }
    return this.exclusive(environment.id, () => this.tearDown(projectId, environment));
  }

  /** Tears an environment down (also used to undo a duplicate that failed half way). */
  async tearDown(projectId: string, environment: Pick<EnvironmentView, 'id' | 'name' | 'networkName'>) {
    const done: string[] = [];
    const apps = (await listAppServicesOfProject(this.deps.db, projectId)).filter(
      (s) => s.environmentId === environment.id,
    );
    const databases = (await this.deps.databases.list(projectId)).filter((d) => d.environmentId === environment.id);
    const busy = databases.find((d) => this.deps.databases.isBusy(d.id));
    if (busy) {
      throw new AppError(
        'DATABASE_BUSY',
        `Database "${busy.name}" is busy (a backup or restore runs); nothing was deleted.`,
      );
    }
    const stacks = (await this.deps.stacks?.list(projectId))?.filter((s) => s.environmentId === environment.id) ?? [];
    if (apps.length + databases.length + stacks.length > 0) {
      const state = this.deps.engineAvailable();
      if (!state.available) {
        throw new AppError(
          'DOCKER_UNAVAILABLE',
          `The Docker engine is not reachable (${state.reason}); nothing was deleted.`,
        );
      }
    }
    for (const stack of stacks) {
      await this.deps.stacks!.remove(stack.id, stack.name);
      done.push(`Deleted compose stack "${stack.name}" with its containers, network and volumes`);
    }
    for (const app of apps) {
      await this.deps.deleteService(app.id, app.name);
      done.push(`Deleted service "${app.name}" with its containers, routes, volumes and variables`);
    }
    for (const database of databases) {
      await this.deps.databases.remove(database.id, database.name);
      done.push(`Deleted database "${database.name}" with its container, volume and backups`);
    }
    await this.deps.removeNetwork(environment.networkName);
    done.push(`Removed network ${environment.networkName}`);
    await deleteEnvironmentRow(this.deps.db, environment.id);
    done.push(`Deleted environment "${environment.name}"`);
    this.deps.logger.info({ environmentId: environment.id, projectId }, 'environment deleted');
    return done;
  }

  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.busy.has(key)) {
      throw new AppError('DELETE_IN_PROGRESS', 'This environment is being changed already; wait for that to finish.');
    }
    this.busy.add(key);
    try {
      return await work();
    } finally {
      this.busy.delete(key);
    }
  }
}
