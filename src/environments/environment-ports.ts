/**
 * What the environments feature needs from its neighbours, filled in by the composition root: it creates
 * and deletes services and databases only through their own features' paths (teardown, provisioning,
 * backup restore), never by touching their containers itself.
 */
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';

export interface DatabaseCopySource {
  id: string;
  name: string;
  engine: string;
  image: string;
  environmentId: string;
  memoryMb: number | null;
  cpus: number | null;
}

export interface EnvironmentDatabases {
  /** The project's databases in every environment. */
  list(projectId: string): Promise<DatabaseCopySource[]>;
  /** Creates (and starts provisioning) a database in the named environment. */
  create(
    projectId: string,
    input: { name: string; engine: string; version?: string; environment: string; memoryMb?: number; cpus?: number },
  ): Promise<{ id: string; name: string }>;
  /** Its status now: 'creating' | 'running' | 'failed' | … and the last error. */
  status(id: string): Promise<{ status: string; lastError: string | null }>;
  /** The newest verified backup of a database, if any. */
  latestVerifiedBackup(databaseId: string): Promise<{ id: string; finishedAt: string | null } | undefined>;
  /** Restores a verified backup (of another database of the same engine) into this one. */
  restore(backupId: string, target: { id: string; name: string }): Promise<void>;
  /** Deletes the database with its container, volume and backups. */
  remove(id: string, name: string): Promise<void>;
  isBusy(id: string): boolean;
}

/** The parts of an app service kept outside its row, copied onto its copy in the new environment. */
export interface ServiceExtras {
  /** Copies the cron jobs (same schedule, command, policy); paused ones stay paused, all are paused when asked. */
  copyCronJobs(fromServiceId: string, toServiceId: string, pause: boolean): Promise<number>;
  /** Copies the volume settings (name, mount path, shared): new, empty volumes; never the data. */
  copyVolumes(fromServiceId: string, toServiceId: string): Promise<number>;
}

export interface EnvironmentStackRef {
  id: string;
  name: string;
  /** null: a project-wide stack (shown with production). */
  environmentId: string | null;
}

/** Compose stacks as environments copy and remove them (the stacks feature's own paths). */
export interface EnvironmentStacks {
  list(projectId: string): Promise<EnvironmentStackRef[]>;
  /** A new stack with the same spec (compose or repository, routed service, variables sealed as stored). */
  copy(stackId: string, target: { name: string; environmentId: string }): Promise<{ id: string; name: string }>;
  /** Starts a deploy (in the background). */
  deploy(stackId: string): Promise<void>;
  /** Deletes the stack with its containers, network, images and volumes. */
  remove(stackId: string, name: string): Promise<void>;
}

export interface EnvironmentsDeps {
  db: Db;
  secretBox: SecretBox;
  logger: Logger;
  databases: EnvironmentDatabases;
  /** Deletes an app service with everything it had (the lifecycle feature's teardown). */
  deleteService(serviceId: string, name: string): Promise<void>;
  /** Whether the engine answers (a delete refuses to start without it). */
  engineAvailable(): { available: true } | { available: false; reason: string };
  /** Removes a network by name (absent is fine). */
  removeNetwork(name: string): Promise<void>;
  /** Queues a deploy of an app service. */
  deploy(serviceId: string, triggeredBy: string | null): Promise<unknown>;
  /** Cron jobs and volume settings of app services (absent in some tests: not copied). */
  extras?: ServiceExtras;
  /** Compose stacks (absent in some tests: not copied). */
  stacks?: EnvironmentStacks;
  /** How long a seeded duplicate waits for each new database to be running. */
  databaseReadyTimeoutMs?: number;
}
