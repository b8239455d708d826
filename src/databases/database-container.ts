/**
 * A database's container on the engine: provisioning (network, volume, image, the container replaced
 * with a way back) and waiting for the engine's health check; also throwaway containers, used to verify
 * backups. The specs themselves are built in src/workloads/database-spec.ts from the engine's contract.
 */
import { AppError } from '../errors.js';
import type { ContainerSpec, Runtime } from '../runtime/runtime.js';
import {
  databaseContainerSpec as buildDatabaseSpec,
  databaseVolumeSpec,
  throwawayDatabaseSpec,
  type EngineContainer,
} from '../workloads/database-spec.js';
import { projectNetworkSpec } from '../workloads/app-spec.js';
import { databaseLabels } from '../workloads/labels.js';
import { databaseContainerName, previousDatabaseContainerName } from '../workloads/names.js';
import type { ManagedDatabase } from './database.types.js';
import { ENGINES } from './engines/index.js';
import type { DatabaseCredentials } from './engines/types.js';

export const HEALTHY_TIMEOUT_MS = 180_000;

/** The engine's container contract for these credentials, as the plain values the spec builders take. */
export function engineContainer(
  database: Pick<ManagedDatabase, 'engine'>,
  credentials: DatabaseCredentials,
): EngineContainer {
  const engine = ENGINES[database.engine];
  return {
    cmd: engine.containerCmd(credentials),
    env: engine.containerEnv(credentials),
    files: engine.containerFiles?.(credentials),
    healthcheck: engine.healthcheck(credentials),
    dataDir: engine.dataDir,
    port: engine.port,
  };
}

/** The database's server container (see src/workloads/database-spec.ts). */
export function databaseContainerSpec(
  database: ManagedDatabase,
  project: { name: string; networkName: string },
  credentials: DatabaseCredentials,
): ContainerSpec {
  return buildDatabaseSpec(database, project, engineContainer(database, credentials));
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

/** A new container started in place of the previous one; the caller commits once it is healthy, or rolls back. */
export interface ContainerSwap {
  id: string;
  /** The volume was created now (empty: the caller may restore a backup into it). */
  freshVolume: boolean;
  /** The new container is up: removes the previous one. */
  commit(): Promise<void>;
  /** The new container failed: removes it and starts the previous one again under its name. */
  rollback(): Promise<void>;
}

/**
 * (Re)creates the database's container on its volume and starts it. Two servers must never share the
 * data directory, so the previous container is stopped first, but kept (renamed aside) until the new
 * one is up: if the new one cannot start (e.g. its public port cannot be bound), the previous one is
 * started again and the error thrown; the database stays as it was.
 */
export async function replaceDatabaseContainer(
  runtime: Runtime,
  database: ManagedDatabase,
  project: { id: string; name: string; networkName: string; hostScope: string; environmentId?: string },
  credentials: DatabaseCredentials,
): Promise<ContainerSwap> {
  const network = projectNetworkSpec(project);
  await runtime.ensureNetwork(network.name, network.labels);
  const volume = databaseVolumeSpec(database);
  const freshVolume = await runtime.ensureVolume(volume.name, volume.labels);
  if (!(await runtime.hasImage(database.image))) {
    await runtime.pullImage(database.image, () => {});
  }
  const name = databaseContainerName(project.hostScope, database.name);
  let previous: { id: string; name: string; state: string } | undefined;
  for (const c of await runtime.listContainers(databaseLabels(database))) {
    // A container left by an earlier attempt whose id was never recorded; the recorded one is kept.
    if (c.id === database.containerId) previous = c;
    else await runtime.removeContainer(c.id);
  }
  if (previous) {
    await runtime.stopContainer(previous.id, 30);
    if (previous.name !== previousDatabaseContainerName(name))
      await runtime.renameContainer(previous.id, previousDatabaseContainerName(name));
  }
  const restorePrevious = async (): Promise<void> => {
    if (!previous) return;
    await runtime.renameContainer(previous.id, name);
    if (previous.state === 'running') await runtime.startContainer(previous.id);
  };
  let id: string | undefined;
  try {
    const scope = { name: project.hostScope, networkName: project.networkName };
    id = await runtime.createContainer(databaseContainerSpec(database, scope, credentials));
    await runtime.startContainer(id);
  } catch (error) {
    if (id) await runtime.removeContainer(id);
    await restorePrevious();
    throw error;
  }
  const created = id;
  return {
    id: created,
    freshVolume,
    commit: async () => {
      if (previous) await runtime.removeContainer(previous.id);
    },
    rollback: async () => {
      await runtime.removeContainer(created);
      await restorePrevious();
    },
  };
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
  const spec = throwawayDatabaseSpec(database, engineContainer(database, credentials), purpose, Date.now());
  const id = await runtime.createContainer(spec);
  await runtime.startContainer(id);
  return id;
}
