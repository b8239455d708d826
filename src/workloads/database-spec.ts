/**
 * A managed database's container and volume, as backend-neutral specs. The engine's contract (command,
 * environment, config files, health check, data directory, port) comes in as plain values: the
 * databases feature resolves it from its engine definitions, this file only assembles the spec.
 */
import type { ContainerFile, ContainerSpec } from '../runtime/runtime.js';
import type { NamedObjectSpec, WorkloadProject } from './app-spec.js';
import { memoryLimitBytes, nanoCpusOf } from './app-spec.js';
import { LABELS, databaseLabels } from './labels.js';
import { databaseContainerName, throwawayContainerName } from './names.js';

/** Health checks: often at first (a database is ready in 1 to 3 s), and a generous allowance for slow first boots. */
export const DATABASE_HEALTH = { intervalMs: 1000, timeoutMs: 5000, retries: 5, startPeriodMs: 120_000 } as const;

export interface DatabaseWorkload {
  id: string;
  projectId: string;
  /** Its environment (a label on its container and volume). */
  environmentId?: string;
  name: string;
  image: string;
  volumeName: string;
  memoryMb: number | null;
  cpus: number | null;
  /** Where it is published on the host; null = reachable only on the project network. */
  publicAccess: { host: string; port: number } | null;
}

/** The engine's container contract for one set of credentials (see src/databases/engines/types.ts). */
export interface EngineContainer {
  cmd: string[] | undefined;
  env: Record<string, string>;
  files: ContainerFile[] | undefined;
  /** argv run inside the container by the engine's health check. */
  healthcheck: string[];
  /** Where the image keeps its data: the volume's mount point. */
  dataDir: string;
  port: number;
}

/** The database's named volume. */
export function databaseVolumeSpec(
  database: Pick<DatabaseWorkload, 'id' | 'projectId' | 'volumeName' | 'environmentId'>,
): NamedObjectSpec {
  return { name: database.volumeName, labels: databaseLabels(database) };
}

/**
 * The database's server: its data on its volume, on the project network with the database's name as DNS
 * alias, no published port unless public access was asked for, the engine's health check, its limits.
 */
export function databaseContainerSpec(
  database: DatabaseWorkload,
  project: Pick<WorkloadProject, 'name' | 'networkName'>,
  engine: EngineContainer,
): ContainerSpec {
  return {
    name: databaseContainerName(project.name, database.name),
    image: database.image,
    cmd: engine.cmd,
    env: engine.env,
    files: engine.files,
    labels: databaseLabels(database),
    network: project.networkName,
    networkAliases: [database.name],
    volumes: [{ volume: database.volumeName, target: engine.dataDir }],
    publishedPorts: database.publicAccess
      ? [{ containerPort: engine.port, hostIp: database.publicAccess.host, hostPort: database.publicAccess.port }]
      : undefined,
    healthcheck: { test: engine.healthcheck, ...DATABASE_HEALTH },
    memoryBytes: memoryLimitBytes(database.memoryMb),
    nanoCpus: nanoCpusOf(database.cpus),
    restartPolicy: 'unless-stopped',
  };
}

/**
 * A container of the same image with other credentials, no network and only an anonymous volume: where
 * a backup is restored to be checked (`purpose` becomes its role). `at` (ms) keeps names apart.
 */
export function throwawayDatabaseSpec(
  database: DatabaseWorkload,
  engine: EngineContainer,
  purpose: string,
  at: number,
): ContainerSpec {
  return {
    name: throwawayContainerName(purpose, database.id, at),
    image: database.image,
    cmd: engine.cmd,
    env: engine.env,
    files: engine.files,
    labels: { ...databaseLabels(database), [LABELS.role]: purpose },
    network: 'none',
    healthcheck: { test: engine.healthcheck, ...DATABASE_HEALTH, intervalMs: 500 },
    memoryBytes: memoryLimitBytes(database.memoryMb),
    restartPolicy: 'no',
  };
}
