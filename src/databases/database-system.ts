/**
 * Managed databases as one feature: create (provisioned in the background), lifecycle, limits, public
 * access, credentials revealed on request, "connect" to an app, delete. Backups live in BackupManager.
 * Each database has its own container on the project network and its own named volume (or, on the
 * cluster, its StatefulSet and claim). The parts: database-create.ts (checks and row),
 * database-provisioner.ts (putting the server in place, status), database-recovery.ts (at start).
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { findProject } from '../projects/projects.service.js';
import { findAppServiceById } from '../projects/services.repository.js';
import { setVariables } from '../projects/variables.service.js';
import { databaseLabels } from '../workloads/labels.js';
import { connectionVariables, openCredentials } from './credentials.js';
import { ClusterPublicAccess } from './cluster-public-access.js';
import type { ScratchServer } from './database-cluster.js';
import { insertDatabaseRow, type CreateDatabaseInput } from './database-create.js';
import { describe, type DatabaseDeps, type SettingsChange } from './database-deps.js';
import { checkConfirmation, checkLimits, checkPublicAccess } from './database-input.js';
import { DatabaseProvisioner } from './database-provisioner.js';
import { recoverDatabases } from './database-recovery.js';
import type { ManagedDatabase } from './database.types.js';
import { deleteDatabaseRow, listDatabasesOfProject } from './databases.repository.js';
import { toClusterView, toView, type DatabaseView } from './database-view.js';
import { dockerScratchServer, dockerServerTarget } from './docker-tool-target.js';
import type { DatabaseCredentials } from './engines/types.js';
import { databaseReferences } from './references.js';
import type { ToolTarget } from './tool-runner.js';

export type { CreateDatabaseInput } from './database-create.js';
export { describe, type DatabaseDeps } from './database-deps.js';

export class DatabaseSystem {
  /** Work in the background (provisioning), awaited on shutdown. */
  private readonly pending = new Set<Promise<void>>();
  /** One lifecycle or restore operation per database at a time. */
  private readonly busy = new Set<string>();
  private readonly provisioner: DatabaseProvisioner;
  /** On the cluster: Berth's listeners for databases with public access (cluster-public-access.ts). */
  private readonly clusterAccess?: ClusterPublicAccess;

  constructor(readonly deps: DatabaseDeps) {
    if (deps.cluster) this.clusterAccess = new ClusterPublicAccess(deps.cluster);
    this.provisioner = new DatabaseProvisioner(deps, this.clusterAccess);
  }

  async create(projectId: string, input: CreateDatabaseInput): Promise<ManagedDatabase> {
    const id = await this.insertRow(this.deps.db, projectId, input);
    this.provisionCreated(id);
    return this.get(id);
  }

  /**
   * The checks and the row of `create`, on `db` (a caller's transaction: project as code); no container
   * yet. Call `provisionCreated` once that transaction has committed.
   */
  insertRow(db: Db, projectId: string, input: CreateDatabaseInput): Promise<string> {
    return insertDatabaseRow(this.deps, db, projectId, input);
  }

  /** Starts the container of a database whose row `insertRow` made (in the background, as `create` does). */
  provisionCreated(id: string): void {
    this.background(id, () => this.provisioner.provision(id));
  }

  get(id: string): Promise<ManagedDatabase> {
    return this.provisioner.get(id);
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
      if (this.deps.cluster) return this.provisioner.provision(id);
      if (!database.containerId || !(await this.deps.runtime.inspectContainer(database.containerId))) {
        await this.provisioner.provision(id);
        return;
      }
      await this.deps.runtime.startContainer(database.containerId);
      await this.provisioner.awaitHealthy(database, database.containerId);
    });
  }

  async stop(id: string): Promise<ManagedDatabase> {
    return this.exclusive(id, async (database) => {
      const { cluster, db, secretBox } = this.deps;
      if (cluster) await cluster.stop(database, await openCredentials(db, secretBox, id));
      else if (database.containerId) await this.deps.runtime.stopContainer(database.containerId, 30);
      await this.provisioner.update(id, { status: 'stopped', lastError: null });
      await this.clusterAccess?.close(id);
    });
  }

  async restart(id: string): Promise<ManagedDatabase> {
    return this.exclusive(id, async (database) => {
      if (this.deps.cluster) {
        await this.deps.cluster.stop(database, await openCredentials(this.deps.db, this.deps.secretBox, id));
        return this.provisioner.provision(id);
      }
      if (database.containerId) await this.deps.runtime.stopContainer(database.containerId, 30);
      if (!database.containerId || !(await this.deps.runtime.inspectContainer(database.containerId))) {
        await this.provisioner.provision(id);
        return;
      }
      await this.deps.runtime.startContainer(database.containerId);
      await this.provisioner.awaitHealthy(database, database.containerId);
    });
  }

  /**
   * Limits and public access are container settings: the container is recreated on the same volume.
   * They are stored only once the new container is up; if it cannot start, the previous one runs on.
   * On the cluster, public access is Berth's own listener (cluster-public-access.ts), opened first so a
   * taken port refuses the change before anything else moves.
   */
  async updateSettings(
    id: string,
    input: { memoryMb?: unknown; cpus?: unknown; publicAccess?: unknown },
  ): Promise<ManagedDatabase> {
    const change: SettingsChange = { ...checkLimits(input) };
    if (input.publicAccess !== undefined) {
      change.publicAccess =
        input.publicAccess === null
          ? null
          : checkPublicAccess(input.publicAccess as { host?: unknown; port?: unknown });
    }
    const access = this.clusterAccess;
    if (!access) return this.exclusive(id, () => this.provisioner.provision(id, change));
    return this.exclusive(id, async (stored) => {
      try {
        await access.sync({ ...stored, ...change, status: 'running' });
      } catch (error) {
        await access.sync(stored).catch(() => undefined);
        const message = `The change was not applied: ${describe(error)} The database is as it was before.`;
        throw new AppError('DATABASE_CHANGE_FAILED', message);
      }
      await this.provisioner.provision(id, change);
    });
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
        await this.clusterAccess?.close(id);
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
  recover(): Promise<void> {
    return recoverDatabases({
      deps: this.deps,
      provisioner: this.provisioner,
      background: (id, work) => this.background(id, work),
      exclusive: (id, work) => this.exclusive(id, work),
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.clusterAccess?.closeAll();
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

  private background(id: string, work: () => Promise<void>): void {
    const run = work()
      .catch((error: unknown) =>
        this.deps.logger.warn({ databaseId: id, reason: describe(error) }, 'database provisioning failed'),
      )
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }
}

export function defaultUrlVariable(database: Pick<ManagedDatabase, 'engine'>): string {
  return database.engine === 'redis' ? 'REDIS_URL' : database.engine === 'mongo' ? 'MONGO_URL' : 'DATABASE_URL';
}

function busyError(database: ManagedDatabase): AppError {
  return new AppError(
    'DATABASE_BUSY',
    `Database "${database.name}" is busy with another operation; try again in a moment.`,
  );
}
