/**
 * Putting a database's server in place and recording the outcome: on Docker a container on its volume
 * (recreated with new settings, the previous one kept until the new one is healthy), on the cluster its
 * objects applied and its pod awaited. A fresh volume gets the latest verified backup. Every status change
 * is stored and announced here.
 */
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { nowIso } from '../lib/ids.js';
import { findScopedProject } from '../projects/environment-scope.js';
import { openCredentials } from './credentials.js';
import type { ClusterPublicAccess } from './cluster-public-access.js';
import type { DatabaseCluster } from './database-cluster.js';
import { replaceDatabaseContainer, waitHealthy, type ContainerSwap } from './database-container.js';
import { describe, type DatabaseDeps, type SettingsChange } from './database-deps.js';
import type { ManagedDatabase } from './database.types.js';
import { findDatabaseById, updateDatabase, type DatabaseChange } from './databases.repository.js';
import { dockerToolTarget } from './docker-tool-target.js';
import type { DatabaseCredentials } from './engines/types.js';
import { seedFromLatestBackup } from './restore-on-recreate.js';
import { cleanMessage } from './tool-runner.js';

export class DatabaseProvisioner {
  constructor(
    private readonly deps: DatabaseDeps,
    /** On the cluster: the listeners of databases with public access. */
    private readonly access?: ClusterPublicAccess,
  ) {}

  async get(id: string): Promise<ManagedDatabase> {
    const database = await findDatabaseById(this.deps.db, id);
    if (!database) throw new AppError('NOT_FOUND', `No database with id "${id}".`);
    return database;
  }

  async update(id: string, change: Omit<DatabaseChange, 'updatedAt'>): Promise<void> {
    await updateDatabase(this.deps.db, id, { ...change, updatedAt: nowIso() });
    if (change.status !== undefined)
      this.deps.events?.publish({ type: 'database', databaseId: id, status: change.status });
  }

  /**
   * Creates (or recreates) the container on the volume with `change` applied and waits for health;
   * records the outcome. When a running database's new container fails, the previous container is
   * started again, the change is not stored, and the error says why.
   */
  async provision(id: string, change: SettingsChange = {}): Promise<void> {
    if (this.deps.cluster) return this.provisionOnCluster(this.deps.cluster, id, change);
    const stored = await this.get(id);
    const database: ManagedDatabase = { ...stored, ...change };
    const project = await findScopedProject(this.deps.db, database.projectId, database.environmentId);
    if (!project) return;
    const credentials = await openCredentials(this.deps.db, this.deps.secretBox, id);
    await this.update(id, { status: 'creating', lastError: null });
    let swap: ContainerSwap;
    try {
      swap = await replaceDatabaseContainer(this.deps.runtime, database, project, credentials);
    } catch (error) {
      return this.keepPrevious(stored, credentials, error);
    }
    if (swap.freshVolume) {
      await swap.commit();
      await this.update(id, { ...change, containerId: swap.id });
      return this.seedFreshVolume(database, swap.id, credentials);
    }
    try {
      await waitHealthy(this.deps.runtime, swap.id);
    } catch (error) {
      await swap.rollback().catch(() => undefined);
      return this.keepPrevious(stored, credentials, error);
    }
    await swap.commit();
    await this.update(id, { ...change, containerId: swap.id, status: 'running', lastError: null });
  }

  /** Waits for the container's health check and records `running`, or `failed` with the reason. */
  async awaitHealthy(database: ManagedDatabase, containerId: string): Promise<void> {
    try {
      await waitHealthy(this.deps.runtime, containerId);
      await this.update(database.id, { status: 'running', lastError: null });
    } catch (error) {
      const credentials = await openCredentials(this.deps.db, this.deps.secretBox, database.id);
      await this.update(database.id, { status: 'failed', lastError: cleanMessage(describe(error), [credentials]) });
      throw error;
    }
  }

  /** The new container failed: the stored database (settings and container) stands; says why. */
  private async keepPrevious(
    stored: ManagedDatabase,
    credentials: DatabaseCredentials,
    error: unknown,
  ): Promise<never> {
    const reason = cleanMessage(describe(error), [credentials]);
    const previous = stored.containerId ? await this.deps.runtime.inspectContainer(stored.containerId) : undefined;
    if (!previous || stored.status === 'creating') {
      await this.update(stored.id, { status: 'failed', lastError: reason });
      throw error;
    }
    if (previous.state === 'running') await this.awaitHealthy(stored, previous.id);
    else await this.update(stored.id, { status: stored.status });
    const message = `The change was not applied: ${reason} The database is as it was before.`;
    await this.update(stored.id, { lastError: message });
    throw new AppError('DATABASE_CHANGE_FAILED', message);
  }

  /**
   * An empty new volume of a database that has verified backups (e.g. after a panel restore on a new
   * server) gets the latest one; it is `running` only once that is done, and `failed` with the reason
   * if the dump cannot be restored (the backup files stay, nothing is lost).
   */
  private async seedFreshVolume(
    database: ManagedDatabase,
    containerId: string,
    credentials: DatabaseCredentials,
  ): Promise<void> {
    const { db, runtime, config } = this.deps;
    try {
      await waitHealthy(runtime, containerId);
    } catch (error) {
      await this.update(database.id, { status: 'failed', lastError: cleanMessage(describe(error), [credentials]) });
      throw error;
    }
    const backupsDir = join(config.dataDir, 'database-backups');
    const target = dockerToolTarget(runtime, containerId);
    const outcome = await seedFromLatestBackup({ db, target, backupsDir, database, credentials });
    if (outcome.failure) {
      await this.update(database.id, { status: 'failed', lastError: outcome.failure });
      throw new AppError('DOCKER_ERROR', outcome.failure);
    }
    await this.update(database.id, { status: 'running', lastError: outcome.message });
    if (outcome.message) this.deps.logger.info({ databaseId: database.id }, outcome.message);
  }

  /**
   * On the cluster: applies the database's objects (with `change`) and waits for its pod. A fresh volume
   * gets the latest verified backup, as on Docker. A failure marks the database failed with the reason.
   */
  private async provisionOnCluster(cluster: DatabaseCluster, id: string, change: SettingsChange): Promise<void> {
    const { db, secretBox, config } = this.deps;
    const database: ManagedDatabase = { ...(await this.get(id)), ...change };
    const credentials = await openCredentials(db, secretBox, id);
    await this.update(id, { status: 'creating', lastError: null });
    try {
      const placed = await cluster.provision(database, credentials);
      await this.update(id, { ...change, containerId: placed.name });
      let note: string | null = null;
      if (placed.freshVolume) {
        const target = await cluster.server(database);
        const backupsDir = join(config.dataDir, 'database-backups');
        const outcome = await seedFromLatestBackup({ db, target, backupsDir, database, credentials });
        if (outcome.failure) throw new AppError('KUBERNETES_ERROR', outcome.failure);
        note = outcome.message;
      }
      await this.update(id, { status: 'running', lastError: note });
    } catch (error) {
      await this.update(id, { status: 'failed', lastError: cleanMessage(describe(error), [credentials]) });
      await this.access?.close(id);
      throw error;
    }
    await this.syncAccess(id);
  }

  /**
   * On the cluster: the database's public-access listener follows its stored state. A listener that cannot
   * open leaves the database running and says why in its last error.
   */
  async syncAccess(id: string): Promise<void> {
    if (!this.access) return;
    try {
      await this.access.sync(await this.get(id));
    } catch (error) {
      await this.update(id, { lastError: `Public access is not open: ${describe(error)}` });
    }
  }
}
