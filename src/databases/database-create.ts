/**
 * The checks and the row of a new managed database (no server yet): name, engine, version and limits
 * from allow-lists, a name no other service of the environment has, generated credentials sealed.
 */
import { requireDockerScheduler } from '../config-scheduler.js';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { requireEnvironment } from '../projects/environment-scope.js';
import { checkName } from '../projects/names.js';
import { findProject } from '../projects/projects.service.js';
import { isUniqueViolation } from '../projects/projects.repository.js';
import { isServiceNameUsed } from '../projects/services.repository.js';
import { databaseVolumeName } from '../workloads/names.js';
import { generateCredentials, sealCredentials } from './credentials.js';
import type { DatabaseDeps } from './database-deps.js';
import { checkEngine, checkLimits, checkVersion, imageFor } from './database-input.js';
import { insertDatabase } from './databases.repository.js';

export interface CreateDatabaseInput {
  name?: unknown;
  engine?: unknown;
  version?: unknown;
  /** The environment's name; production when absent. */
  environment?: unknown;
  memoryMb?: unknown;
  cpus?: unknown;
}

/** Inserts the row on `db` (a caller's transaction, or the connection) and returns the new id. */
export async function insertDatabaseRow(
  deps: Pick<DatabaseDeps, 'config' | 'secretBox' | 'cluster'>,
  db: Db,
  projectId: string,
  input: CreateDatabaseInput,
): Promise<string> {
  const { config } = deps;
  if (!deps.cluster) requireDockerScheduler(config.scheduler, 'Databases are');
  const project = await findProject(db, projectId);
  if (!project) throw new AppError('NOT_FOUND', `No project with id "${projectId}".`);
  const environment = await requireEnvironment(db, projectId, input.environment);
  const name = checkName(input.name, 'service');
  const engine = checkEngine(input.engine);
  const image = imageFor(config.dbImages[engine], checkVersion(input.version));
  const limits = checkLimits(input);
  const taken = () =>
    new AppError('SERVICE_NAME_TAKEN', `Project "${project.name}" already has a service named "${name}".`, {
      details: { name: 'taken' },
    });
  if (await isServiceNameUsed(db, environment.id, name)) throw taken();
  const id = newId('svc');
  try {
    await insertDatabase(db, {
      id,
      projectId,
      environmentId: environment.id,
      name,
      engine,
      image,
      credentialsEncrypted: sealCredentials(deps.secretBox, generateCredentials()),
      volumeName: databaseVolumeName(id),
      memoryMb: limits.memoryMb ?? null,
      cpus: limits.cpus ?? null,
      now: nowIso(),
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
  return id;
}
