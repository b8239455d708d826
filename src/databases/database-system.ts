/**
 * Managed databases as one feature: create (provisioned in the background), lifecycle, limits, public
 * access, credentials revealed on request, "connect" to an app, delete. Backups live in BackupManager.
 * Each database has its own container on the project network and its own named volume.
 */
import type { EventPublisher } from '../events/event-bus.js';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { kubernetesUnsupported, requireDockerScheduler } from '../config-scheduler.js';
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import { checkName } from '../projects/names.js';
import { findScopedProject, requireEnvironment } from '../projects/environment-scope.js';
import { findProject } from '../projects/projects.service.js';
import { isUniqueViolation } from '../projects/projects.repository.js';
import { findAppServiceById, isServiceNameUsed } from '../projects/services.repository.js';
import { setVariables } from '../projects/variables.service.js';
import type { ContainerDetails, Runtime } from '../runtime/runtime.js';
import { connectionVariables, generateCredentials, openCredentials, sealCredentials } from './credentials.js';
import { databaseLabels } from '../workloads/labels.js';
import { databaseContainerName, databaseVolumeName } from '../workloads/names.js';
import { replaceDatabaseContainer, waitHealthy, type ContainerSwap } from './database-container.js';
import {
  checkConfirmation,
  checkEngine,
  checkLimits,
  checkPublicAccess,
  checkVersion,
  imageFor,
} from './database-input.js';
import type { ManagedDatabase } from './database.types.js';
import {
  deleteDatabaseRow,
  findDatabaseById,
  insertDatabase,
  listAllDatabases,
  listDatabasesOfProject,
  updateDatabase,
  type DatabaseChange,
} from './databases.repository.js';
import { toClusterView, toView, type DatabaseView } from './database-view.js';
import type { DatabaseCluster, ScratchServer } from './database-cluster.js';
import { dockerScratchServer, dockerServerTarget, dockerToolTarget } from './docker-tool-target.js';
import type { DatabaseCredentials } from './engines/types.js';
import { seedFromLatestBackup } from './restore-on-recreate.js';
import { databaseReferences } from './references.js';
import { cleanMessage, type ToolTarget } from './tool-runner.js';

export interface DatabaseDeps {
  config: Config;
  db: Db;
  runtime: Runtime;
  secretBox: SecretBox;
  logger: Logger;
  /** Where status changes are announced (the panel's live pages); absent in tests that do not listen. */
  events?: EventPublisher;
  /** Set when databases run on the cluster (BERTH_SCHEDULER=kubernetes) instead of the Docker engine. */
  cluster?: DatabaseCluster;
}

export interface CreateDatabaseInput {
  name?: unknown;
  engine?: unknown;
  version?: unknown;
  /** The environment's name; production when absent. */
  environment?: unknown;
  memoryMb?: unknown;
  cpus?: unknown;
}

export class DatabaseSystem {
  /** Work in the background (provisioning), awaited on shutdown. */
  private readonly pending = new Set<Promise<void>>();
  /** One lifecycle or restore operation per database at a time. */
  private readonly busy = new Set<string>();

  constructor(readonly deps: DatabaseDeps) {}

  async create(projectId: string, input: CreateDatabaseInput): Promise<ManagedDatabase> {
    const id = await this.insertRow(this.deps.db, projectId, input);
    this.provisionCreated(id);
    return this.get(id);
  }

  /**
   * The checks and the row of `create`, on `db` (a caller's transaction: project as code); no container
   * yet. Call `provisionCreated` once that transaction has committed.
   */
  async insertRow(db: Db, projectId: string, input: CreateDatabaseInput): Promise<string> {
    const { config } = this.deps;
    if (!this.deps.cluster) requireDockerScheduler(config.scheduler, 'Databases are');
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
        credentialsEncrypted: sealCredentials(this.deps.secretBox, generateCredentials()),
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

  /** Starts the container of a database whose row `insertRow` made (in the background, as `create` does). */
  provisionCreated(id: string): void {
    this.background(id, () => this.provision(id));
  }

  async get(id: string): Promise<ManagedDatabase> {
    const database = await findDatabaseById(this.deps.db, id);
    if (!database) throw new AppError('NOT_FOUND', `No database with id "${id}".`);
    return database;
  }

  async view(id: string): Promise<DatabaseView> {
    return this.viewOf(await this.get(id));
  }

  private viewOf(database: ManagedDatabase): Promise<DatabaseView> {
    const { cluster, runtime } = this.deps;
    return cluster ? toClusterView(cluster, database) : toView(runtime, database);
  }

  async list(projectId: string): Promise<DatabaseView[]> {
    if (!(await findProject(this.deps.db, projectId)))
      throw new AppError('NOT_FOUND', `No project with id "${projectId}".`);
    return Promise.all((await listDatabasesOfProject(this.deps.db, projectId)).map((d) => this.viewOf(d)));
  }

  /** The connection variables with their values: for the panel's Reveal button and the API's credentials call. */
  async reveal(id: string): Promise<Record<string, string>> {
    const database = await this.get(id);
    const host = await this.deps.cluster?.host(database);
    return connectionVariables(database, await openCredentials(this.deps.db, this.deps.secretBox, id), host);
  }

  async start(id: string): Promise<ManagedDatabase> {
    return this.exclusive(id, async (database) => {
      if (this.deps.cluster) return this.provision(id);
      if (!database.containerId || !(await this.deps.runtime.inspectContainer(database.containerId))) {
        await this.provision(id);
        return;
      }
      await this.deps.runtime.startContainer(database.containerId);
      await this.awaitHealthy(database, database.containerId);
    });
  }

  async stop(id: string): Promise<ManagedDatabase> {
    return this.exclusive(id, async (database) => {
      const { cluster, db, secretBox } = this.deps;
      if (cluster) await cluster.stop(database, await openCredentials(db, secretBox, id));
      else if (database.containerId) await this.deps.runtime.stopContainer(database.containerId, 30);
      await this.update(id, { status: 'stopped', lastError: null });
    });
  }

  async restart(id: string): Promise<ManagedDatabase> {
    return this.exclusive(id, async (database) => {
      if (this.deps.cluster) {
        await this.deps.cluster.stop(database, await openCredentials(this.deps.db, this.deps.secretBox, id));
        return this.provision(id);
      }
      if (database.containerId) await this.deps.runtime.stopContainer(database.containerId, 30);
      if (!database.containerId || !(await this.deps.runtime.inspectContainer(database.containerId))) {
        await this.provision(id);
        return;
      }
      await this.deps.runtime.startContainer(database.containerId);
      await this.awaitHealthy(database, database.containerId);
    });
  }

  /**
   * Limits and public access are container settings: the container is recreated on the same volume.
   * They are stored only once the new container is up; if it cannot start, the previous one runs on.
   */
  async updateSettings(
    id: string,
    input: { memoryMb?: unknown; cpus?: unknown; publicAccess?: unknown },
  ): Promise<ManagedDatabase> {
    const change: SettingsChange = { ...checkLimits(input) };
    if (input.publicAccess !== undefined && input.publicAccess !== null && this.deps.cluster)
      throw kubernetesUnsupported('Public access to a database is');
    if (input.publicAccess !== undefined) {
      change.publicAccess =
        input.publicAccess === null
          ? null
          : checkPublicAccess(input.publicAccess as { host?: unknown; port?: unknown });
    }
    return this.exclusive(id, () => this.provision(id, change));
  }

  /** Adds `<KEY>=${{<db>.<KEY>}}` to an app of the same project (KEY defaults to the engine's URL variable). */
  async connect(id: string, appId: unknown, rawKey?: unknown): Promise<{ key: string; value: string }> {
    const database = await this.get(id);
    const app = typeof appId === 'string' ? await findAppServiceById(this.deps.db, appId) : undefined;
    if (!app || app.environmentId !== database.environmentId) {
      throw new AppError('VALIDATION_FAILED', 'Choose an app of the same project.', {
        details: { serviceId: 'unknown' },
      });
    }
    const key = rawKey === undefined || rawKey === '' ? defaultUrlVariable(database) : rawKey;
    if (typeof key !== 'string') throw new AppError('VALIDATION_FAILED', 'The variable name must be text.');
    const value = `\${{${database.name}.${defaultUrlVariable(database)}}}`;
    await setVariables({ ...this.deps, databases: databaseReferences(this.deps.secretBox) }, app.id, [[key, value]]);
    return { key, value };
  }

  /** Removes the container (and the volume only when asked: the data survives by default). */
  async remove(id: string, options: { confirm?: unknown; deleteVolume?: unknown }): Promise<ManagedDatabase> {
    const database = await this.get(id);
    checkConfirmation(database.name, options.confirm);
    if (this.busy.has(id)) throw busyError(database);
    this.busy.add(id);
    try {
      const { runtime, cluster } = this.deps;
      if (cluster) {
        await cluster.remove(database, { deleteVolume: options.deleteVolume === true });
        await deleteDatabaseRow(this.deps.db, id);
        return database;
      }
      for (const c of await runtime.listContainers(databaseLabels(database)))
        await runtime.removeContainer(c.id, { volumes: true });
      if (database.containerId) await runtime.removeContainer(database.containerId);
      if (options.deleteVolume === true) await runtime.removeVolume(database.volumeName);
      await deleteDatabaseRow(this.deps.db, id);
      return database;
    } finally {
      this.busy.delete(id);
    }
  }

  /** At start: the stored status follows what the engine says (a container may have died while Berth was down). */
  async recover(): Promise<void> {
    for (const database of await listAllDatabases(this.deps.db)) {
      if (this.deps.cluster) {
        if (database.status === 'creating') this.background(database.id, () => this.provision(database.id));
        continue;
      }
      const details = database.containerId ? await this.deps.runtime.inspectContainer(database.containerId) : undefined;
      if (database.status === 'creating') {
        this.background(database.id, () => this.provision(database.id));
      } else if (database.status === 'running' && (!details || details.state !== 'running')) {
        await this.update(database.id, {
          status: details ? 'stopped' : 'failed',
          lastError: details ? null : 'The container is gone; start the database to recreate it on its volume.',
        });
      }
      if (details && database.status !== 'creating') {
        await this.adoptOlderContainer(database, details).catch((error: unknown) =>
          this.deps.logger.warn({ databaseId: database.id, reason: describe(error) }, 'could not rename the container'),
        );
      }
    }
  }

  /**
   * A container made by an older Berth (named `berth-<project>-<db>`, which could collide across
   * projects) takes the current name. A running Redis one is recreated instead (in the background,
   * previous container kept until the new one is up): older versions put its password on the command line.
   */
  private async adoptOlderContainer(database: ManagedDatabase, details: ContainerDetails): Promise<void> {
    const project = await findScopedProject(this.deps.db, database.projectId, database.environmentId);
    const name = project && databaseContainerName(project.hostScope, database.name);
    if (!name || details.name === name) return;
    if (database.engine === 'redis' && details.state === 'running') {
      this.background(database.id, async () => {
        await this.exclusive(database.id, () => this.provision(database.id));
      });
    } else {
      await this.deps.runtime.renameContainer(details.id, name);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  isBusy(id: string): boolean {
    return this.busy.has(id);
  }

  /** Runs `work` while holding the database's lock (restores use it too). */
  async exclusive(id: string, work: (database: ManagedDatabase) => Promise<void>): Promise<ManagedDatabase> {
    const database = await this.get(id);
    if (this.busy.has(id)) throw busyError(database);
    this.busy.add(id);
    try {
      await work(database);
    } finally {
      this.busy.delete(id);
    }
    return this.get(id);
  }

  /**
   * Creates (or recreates) the container on the volume with `change` applied and waits for health;
   * records the outcome. When a running database's new container fails, the previous container is
   * started again, the change is not stored, and the error says why.
   */
  private async provision(id: string, change: SettingsChange = {}): Promise<void> {
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

  /** The running server's container or pod, where backups and restores run its tools. */
  serverTarget(database: ManagedDatabase): Promise<ToolTarget> {
    const { cluster, runtime } = this.deps;
    return cluster ? cluster.server(database) : dockerServerTarget(runtime, database);
  }

  /** A ready scratch server of the same image and these (throwaway) credentials, to verify a backup in. */
  scratchServer(database: ManagedDatabase, credentials: DatabaseCredentials, purpose: string): Promise<ScratchServer> {
    const { cluster, runtime } = this.deps;
    return cluster
      ? cluster.scratch(database, credentials, purpose)
      : dockerScratchServer(runtime, database, credentials, purpose);
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
      throw error;
    }
  }

  private async awaitHealthy(database: ManagedDatabase, containerId: string): Promise<void> {
    try {
      await waitHealthy(this.deps.runtime, containerId);
      await this.update(database.id, { status: 'running', lastError: null });
    } catch (error) {
      const credentials = await openCredentials(this.deps.db, this.deps.secretBox, database.id);
      await this.update(database.id, { status: 'failed', lastError: cleanMessage(describe(error), [credentials]) });
      throw error;
    }
  }

  private async update(id: string, change: Omit<DatabaseChange, 'updatedAt'>): Promise<void> {
    await updateDatabase(this.deps.db, id, { ...change, updatedAt: nowIso() });
    if (change.status !== undefined)
      this.deps.events?.publish({ type: 'database', databaseId: id, status: change.status });
  }

  private background(id: string, work: () => Promise<void>): void {
    const run = work()
      .catch((error: unknown) =>
        this.deps.logger.warn({ databaseId: id, reason: describe(error) }, 'database provisioning failed'),
      )
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }
}

/** Container settings a recreate applies. */
type SettingsChange = Partial<Pick<ManagedDatabase, 'memoryMb' | 'cpus' | 'publicAccess'>>;

export function defaultUrlVariable(database: Pick<ManagedDatabase, 'engine'>): string {
  return database.engine === 'redis' ? 'REDIS_URL' : database.engine === 'mongo' ? 'MONGO_URL' : 'DATABASE_URL';
}

function busyError(database: ManagedDatabase): AppError {
  return new AppError(
    'DATABASE_BUSY',
    `Database "${database.name}" is busy with another operation; try again in a moment.`,
  );
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
