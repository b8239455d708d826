/**
 * A project as one of its environments sees it (issue 18). Production keeps everything it had before
 * environments existed: the project network `berth-<project id>` and hostnames `<service>-<project>`.
 * Any other environment has its own network and hostnames `<service>-<environment>-<project>`.
 */
import type { Executor } from '../db/executor.js';
import { environmentNetworkName } from '../workloads/names.js';
import { PRODUCTION_ENVIRONMENT } from './projects.service.js';
import { AppError } from '../errors.js';
import { findEnvironmentById, findEnvironmentByName, findProjectById } from './projects.repository.js';
import type { Environment, Project } from './service.types.js';

export function isProduction(environment: Pick<Environment, 'name'>): boolean {
  return environment.name === PRODUCTION_ENVIRONMENT;
}

/** `<project>` in production, `<environment>-<project>` elsewhere. */
export function hostScopeOf(projectName: string, environmentName: string): string {
  return environmentName === PRODUCTION_ENVIRONMENT ? projectName : `${environmentName}-${projectName}`;
}

export function projectInEnvironment(project: Project, environment: Environment): Project {
  return {
    ...project,
    networkName: environmentNetworkName(project.id, environment.id, isProduction(environment)),
    hostScope: hostScopeOf(project.name, environment.name),
    environmentId: environment.id,
  };
}

/**
 * The project's environment called `raw` (production when absent): NOT_FOUND naming it when there is none.
 * Services and databases are created through this.
 */
export async function requireEnvironment(db: Executor, projectId: string, raw: unknown): Promise<Environment> {
  const name = raw === undefined || raw === null || raw === '' ? PRODUCTION_ENVIRONMENT : raw;
  const environment = typeof name === 'string' ? await findEnvironmentByName(db, projectId, name) : undefined;
  if (!environment) {
    throw new AppError('NOT_FOUND', `The project has no environment named "${String(name).slice(0, 63)}".`, {
      details: { environment: 'unknown' },
    });
  }
  return environment;
}

/** The project of a service (or database) as its environment sees it; undefined when either is gone. */
export async function findScopedProject(
  db: Executor,
  projectId: string,
  environmentId: string,
): Promise<Project | undefined> {
  const [row, environment] = await Promise.all([
    findProjectById(db, projectId),
    findEnvironmentById(db, environmentId),
  ]);
  if (!row || !environment) return undefined;
  const project: Project = { ...row, networkName: environmentNetworkName(row.id, row.id, true), hostScope: row.name };
  return projectInEnvironment(project, environment);
}
