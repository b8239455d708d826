/**
 * Projects: a name, a `production` environment created with it, and a private Docker network whose name
 * is derived from the id (`berth-<id>`) rather than stored. Creating the network is the deploy's job;
 * deleting a project (with everything in it) is the lifecycle feature's (src/lifecycle).
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { projectNetworkName } from '../workloads/names.js';
import { checkName } from './names.js';
import {
  countServicesOfProject,
  findProjectById,
  findProjectByName,
  insertProjectWithEnvironment,
  isUniqueViolation,
  listEnvironments,
  listProjectSummaries,
  type ProjectRow,
} from './projects.repository.js';
import type { Environment, Project } from './service.types.js';

export const PRODUCTION_ENVIRONMENT = 'production';

export interface ProjectDetails extends Project {
  environments: Environment[];
  serviceCount: number;
}

export interface ProjectSummary extends Project {
  serviceCount: number;
}

function toProject(row: ProjectRow): Project {
  return { ...row, networkName: projectNetworkName(row.id), hostScope: row.name };
}

function nameTaken(name: string): AppError {
  return new AppError('PROJECT_NAME_TAKEN', `A project named "${name}" already exists. Choose another name.`, {
    details: { name: 'taken' },
  });
}

export async function createProject(db: Db, rawName: unknown): Promise<ProjectDetails> {
  const name = checkName(rawName, 'project');
  if (await findProjectByName(db, name)) throw nameTaken(name);
  const project = { id: newId('prj'), name, createdAt: nowIso() };
  try {
    await insertProjectWithEnvironment(db, project, { id: newId('env'), name: PRODUCTION_ENVIRONMENT });
  } catch (error) {
    // Two requests raced past the check above; the UNIQUE constraint decided.
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
  return getProject(db, project.id);
}

export async function findProject(db: Db, id: string): Promise<Project | undefined> {
  const row = await findProjectById(db, id);
  return row && toProject(row);
}

/** The project, its environments and how many services it has; NOT_FOUND when there is none. */
export async function getProject(db: Db, id: string): Promise<ProjectDetails> {
  const row = await findProjectById(db, id);
  if (!row) throw new AppError('NOT_FOUND', `No project with id "${id}".`);
  return {
    ...toProject(row),
    environments: await listEnvironments(db, id),
    serviceCount: await countServicesOfProject(db, id),
  };
}

export async function listProjects(db: Db): Promise<ProjectSummary[]> {
  const rows = await listProjectSummaries(db);
  return rows.map((row) => ({ ...toProject(row), serviceCount: row.serviceCount }));
}
