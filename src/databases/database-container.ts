/**
 * A database's container on the engine: its spec (image contract, named volume, health check, limits,
 * project network with the database's name as DNS alias, no published port unless asked), provisioning,
 * and waiting for the engine's health check. Also throwaway containers, used to verify backups.
 */
import { AppError } from '../errors.js';
import { LABELS } from '../projects/service.types.js';
import type { ContainerSpec, Runtime } from '../runtime/runtime.js';
import type { ManagedDatabase } from './database.types.js';
import { ENGINES } from './engines/index.js';
import type { DatabaseCredentials } from './engines/types.js';

/** Health checks: often at first (a database is ready in 1 to 3 s), and a generous allowance for slow first boots. */
const HEALTH = { intervalMs: 1000, timeoutMs: 5000, retries: 5, startPeriodMs: 120_000 };
export const HEALTHY_TIMEOUT_MS = 180_000;

export function databaseLabels(database: Pick<ManagedDatabase, 'id' | 'projectId'>): Record<string, string> {
  return {
    [LABELS.managed]: 'true',
    [LABELS.project]: database.projectId,
    [LABELS.service]: database.id,
    'berth.role': 'database',
  };
}

export function containerName(projectName: string, databaseName: string): string {
  return `berth-${projectName}-${databaseName}`;
}

export function databaseContainerSpec(
  database: ManagedDatabase,
  project: { name: string; networkName: string },
  credentials: DatabaseCredentials,
): ContainerSpec {
  const engine = ENGINES[database.engine];
  return {
    name: containerName(project.name, database.name),
    image: database.image,
    cmd: engine.containerCmd(credentials),
    env: engine.containerEnv(credentials),
    labels: databaseLabels(database),
    network: project.networkName,
    networkAliases: [database.name],
    volumes: [{ volume: database.volumeName, target: engine.dataDir }],
    publishedPorts: database.publicAccess
      ? [{ containerPort: engine.port, hostIp: database.publicAccess.host, hostPort: database.publicAccess.port }]
      : undefined,
    healthcheck: { test: engine.healthcheck(credentials), ...HEALTH },
    memoryBytes: database.memoryMb ? database.memoryMb * 1024 * 1024 : undefined,
    nanoCpus: database.cpus ? Math.round(database.cpus * 1e9) : undefined,
    restartPolicy: 'unless-stopped',
  };
}

/** Resolves once the engine reports the container healthy; throws with the reason when it will not be. */
export async function waitHealthy(
  runtime: Runtime,
  containerId: string,
  timeoutMs = HEALTHY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const details = await runtime.inspectContainer(containerId);
    if (!details) throw new AppError('DOCKER_ERROR', 'The database container disappeared.');
    if (details.health === 'healthy') return;
    if (details.state === 'exited' || details.state === 'dead') {
      const tail: string[] = [];
      await runtime.containerLogs(containerId, { follow: false, tail: 5 }, (line) => tail.push(line)).catch(() => {});
      throw new AppError(
        'DOCKER_ERROR',
        `The database container stopped (exit code ${details.exitCode ?? '?'}).${tail.length ? ` Last lines: ${tail.join(' | ')}` : ''}`,
      );
    }
    if (details.health === 'unhealthy') throw new AppError('DOCKER_ERROR', 'The database failed its health check.');
    if (Date.now() > deadline) {
      throw new AppError('DOCKER_ERROR', `The database was not healthy after ${Math.round(timeoutMs / 1000)} s.`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * (Re)creates the database's container on its volume and starts it. Returns the new container id and
 * whether the volume was created now (empty: the caller may restore a backup into it).
 */
export async function createDatabaseContainer(
  runtime: Runtime,
  database: ManagedDatabase,
  project: { id: string; name: string; networkName: string },
  credentials: DatabaseCredentials,
): Promise<{ id: string; freshVolume: boolean }> {
  await runtime.ensureNetwork(project.networkName, { [LABELS.managed]: 'true', [LABELS.project]: project.id });
  const freshVolume = await runtime.ensureVolume(database.volumeName, databaseLabels(database));
  if (!(await runtime.hasImage(database.image))) {
    await runtime.pullImage(database.image, () => {});
  }
  if (database.containerId) await runtime.removeContainer(database.containerId);
  // A container of the same name left by an earlier attempt (the id was never recorded).
  for (const old of await runtime.listContainers(databaseLabels(database))) await runtime.removeContainer(old.id);
  const id = await runtime.createContainer(databaseContainerSpec(database, project, credentials));
  await runtime.startContainer(id);
  return { id, freshVolume };
}

/**
 * A container of the same image with fresh credentials, no network and only an anonymous volume:
 * where a backup is restored to be checked. The caller removes it (with its volume) when done.
 */
export async function startThrowawayContainer(
  runtime: Runtime,
  database: ManagedDatabase,
  credentials: DatabaseCredentials,
  purpose: string,
): Promise<string> {
  const engine = ENGINES[database.engine];
  const id = await runtime.createContainer({
    name: `berth-${purpose}-${database.id.slice(4)}-${Date.now().toString(36)}`,
    image: database.image,
    cmd: engine.containerCmd(credentials),
    env: engine.containerEnv(credentials),
    labels: { ...databaseLabels(database), 'berth.role': purpose },
    network: 'none',
    healthcheck: { test: engine.healthcheck(credentials), ...HEALTH, intervalMs: 500 },
    memoryBytes: database.memoryMb ? database.memoryMb * 1024 * 1024 : undefined,
    restartPolicy: 'no',
  });
  await runtime.startContainer(id);
  return id;
}
