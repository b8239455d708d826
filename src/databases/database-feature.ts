/** The managed-databases feature as main.ts and the HTTP layer see it: the databases and their backups. */
import type { Scheduler } from '../jobs/scheduler.js';
import type { ReferenceSource } from '../projects/variable-references.js';
import { BackupManager } from './backup-manager.js';
import { DatabaseSystem, type DatabaseDeps } from './database-system.js';
import { databaseReferences } from './references.js';

/** As a ReferenceSource it gives apps' `${{<database>.<VAR>}}` references their values. */
export interface DatabaseFeature extends ReferenceSource {
  databases: DatabaseSystem;
  backups: BackupManager;
  /** Reconciles stored state with the engine and re-registers backup schedules (daemon start). */
  recover(): Promise<void>;
  close(): Promise<void>;
}

export function createDatabaseFeature(deps: DatabaseDeps, scheduler: Scheduler): DatabaseFeature {
  const databases = new DatabaseSystem(deps);
  const backups = new BackupManager(databases, scheduler);
  const references = databaseReferences(deps.secretBox, deps.cluster);
  return {
    databases,
    backups,
    offeredVariables: (db, environmentId, name) => references.offeredVariables(db, environmentId, name),
    async recover() {
      await databases.recover();
      await backups.recover();
    },
    async close() {
      await backups.settle();
      await databases.close();
    },
  };
}
