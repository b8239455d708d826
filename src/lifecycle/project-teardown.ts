/**
 * Deleting a project tears down each app service and database in it, then its network, its repositories'
 * directory and its row. Database volumes hold data nobody can make again: each is kept unless the caller
 * names that database in `deleteVolumes` (typing its name is the confirmation).
 */
import { rmdir } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { isProduction, projectInEnvironment } from '../projects/environment-scope.js';
import { getProject } from '../projects/projects.service.js';
import { deleteProjectRow } from '../projects/projects.repository.js';
import type { Project } from '../projects/service.types.js';
import { listAppServicesOfProject } from '../projects/services.repository.js';
import { checkNameConfirmation } from './confirmation.js';
import type { LifecycleDeps } from './ports.js';
import { requireEngine, tearDownAppService } from './service-teardown.js';
import { TeardownReport } from './teardown-report.js';

export interface DeleteProjectInput {
  confirm?: unknown;
  /** Names of the project's databases whose volumes (their data) go too. */
  deleteVolumes?: unknown;
}

export async function tearDownProject(
  deps: LifecycleDeps,
  projectId: string,
  input: DeleteProjectInput,
): Promise<{ project: Project; report: TeardownReport }> {
  const project = await getProject(deps.db, projectId);
  checkNameConfirmation('project', project.name, input.confirm);
  const databases = await deps.databases.list(project.id);
  const volumesToDelete = checkVolumeChoice(
    input.deleteVolumes,
    databases.map((d) => d.name),
  );
  const busy = databases.find((d) => deps.databases.isBusy(d.id));
  if (busy) {
    throw new AppError(
      'DATABASE_BUSY',
      `Database "${busy.name}" is busy (a backup or restore runs); nothing was deleted. Try again when it ends.`,
    );
  }
  const services = await listAppServicesOfProject(deps.db, project.id);
  // An empty project can go without the engine: its network, if any, is left to the orphan clean-up.
  if (services.length + databases.length > 0) requireEngine(deps.runtime);

  const report = new TeardownReport();
  for (const service of services) {
    await tearDownAppService(deps, service, project, report);
  }
  if (deps.stacks) {
    const stacks = await deps.stacks.removeAllOf(project.id);
    for (const name of stacks) report.done(`Deleted compose stack "${name}" with its volumes`);
  }
  for (const database of databases) {
    const deleteVolume = volumesToDelete.has(database.name);
    await deps.databases.remove(database.id, database.name, deleteVolume);
    report.done(
      deleteVolume
        ? `Deleted database "${database.name}" with its data (volume ${database.volumeName})`
        : `Deleted database "${database.name}"; its volume ${database.volumeName} is kept`,
    );
  }
  if (deps.cluster) {
    await deps.cluster.removeProject(project.id);
    report.done('Deleted its namespace on the cluster');
  }
  await report.attempt('Removing the project network', async () => {
    await deps.runtime.removeNetwork(project.networkName);
    return `Removed network ${project.networkName}`;
  });
  // Every other environment has a network of its own (src/projects/environment-scope.ts).
  for (const environment of project.environments.filter((e) => !isProduction(e))) {
    const network = projectInEnvironment(project, environment).networkName;
    await report.attempt(`Removing the network of environment ${environment.name}`, async () => {
      await deps.runtime.removeNetwork(network);
      return `Removed network ${network}`;
    });
  }
  if (deps.repos) {
    // Empty once every service's repository went; a directory still holding something is left alone.
    await rmdir(deps.repos.projectDir(project.name)).catch(() => undefined);
  }
  await deleteProjectRow(deps.db, project.id);
  report.done(`Deleted project "${project.name}"`);
  return { project, report };
}

function checkVolumeChoice(raw: unknown, names: string[]): Set<string> {
  if (raw === undefined || raw === null) return new Set();
  if (!Array.isArray(raw) || !raw.every((n) => typeof n === 'string')) {
    throw new AppError('VALIDATION_FAILED', 'deleteVolumes must be a list of database names.', {
      details: { deleteVolumes: 'must be a list of database names' },
    });
  }
  const unknown = raw.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `deleteVolumes names no database of this project: ${unknown.join(', ')}. Nothing was deleted.`,
      { details: { deleteVolumes: 'unknown database name' } },
    );
  }
  return new Set(raw as string[]);
}
