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
  /** How long a seeded duplicate waits for each new database to be running. */
  databaseReadyTimeoutMs?: number;
}
