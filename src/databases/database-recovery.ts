/**
 * At start, the stored status of each database follows what the engine says (a container may have died
 * while Berth was down), databases left `creating` are provisioned again, and containers made by an older
 * Berth take the current name.
 */
import { findScopedProject } from '../projects/environment-scope.js';
import type { ContainerDetails } from '../runtime/runtime.js';
import { databaseContainerName } from '../workloads/names.js';
import { describe, type DatabaseDeps } from './database-deps.js';
import type { DatabaseProvisioner } from './database-provisioner.js';
import type { ManagedDatabase } from './database.types.js';
import { listAllDatabases } from './databases.repository.js';

export interface RecoveryContext {
  deps: DatabaseDeps;
  provisioner: DatabaseProvisioner;
  /** Runs `work` in the background (awaited on shutdown). */
  background(id: string, work: () => Promise<void>): void;
  /** Runs `work` while holding the database's lock. */
  exclusive(id: string, work: (database: ManagedDatabase) => Promise<void>): Promise<unknown>;
}

export async function recoverDatabases(context: RecoveryContext): Promise<void> {
  const { deps, provisioner } = context;
  for (const database of await listAllDatabases(deps.db)) {
    if (deps.cluster) {
      if (database.status === 'creating') context.background(database.id, () => provisioner.provision(database.id));
      else if (database.status === 'running' && database.publicAccess) await provisioner.syncAccess(database.id);
      continue;
    }
    const details = database.containerId ? await deps.runtime.inspectContainer(database.containerId) : undefined;
    if (database.status === 'creating') {
      context.background(database.id, () => provisioner.provision(database.id));
    } else if (database.status === 'running' && (!details || details.state !== 'running')) {
      await provisioner.update(database.id, {
        status: details ? 'stopped' : 'failed',
        lastError: details ? null : 'The container is gone; start the database to recreate it on its volume.',
      });
    }
    if (details && database.status !== 'creating') {
      await adoptOlderContainer(context, database, details).catch((error: unknown) =>
        deps.logger.warn({ databaseId: database.id, reason: describe(error) }, 'could not rename the container'),
      );
    }
  }
}

/**
 * A container made by an older Berth (named `berth-<project>-<db>`, which could collide across
 * projects) takes the current name. A running Redis one is recreated instead (in the background,
 * previous container kept until the new one is up): older versions put its password on the command line.
 */
async function adoptOlderContainer(
  context: RecoveryContext,
  database: ManagedDatabase,
  details: ContainerDetails,
): Promise<void> {
  const { deps, provisioner } = context;
  const project = await findScopedProject(deps.db, database.projectId, database.environmentId);
  const name = project && databaseContainerName(project.hostScope, database.name);
  if (!name || details.name === name) return;
  if (database.engine === 'redis' && details.state === 'running') {
    context.background(database.id, async () => {
      await context.exclusive(database.id, () => provisioner.provision(database.id));
    });
  } else {
    await deps.runtime.renameContainer(details.id, name);
  }
}
