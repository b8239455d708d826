/** The managed-databases feature as main.ts and the HTTP layer see it: the databases and their backups. */
import type { Scheduler } from '../jobs/scheduler.js';
import { BackupManager } from './backup-manager.js';
import { DatabaseSystem, type DatabaseDeps } from './database-system.js';

export interface DatabaseFeature {
  databases: DatabaseSystem;
  backups: BackupManager;
  /** Reconciles stored state with the engine and re-registers backup schedules (daemon start). */
  recover(): Promise<void>;
  close(): Promise<void>;
}

export function createDatabaseFeature(deps: DatabaseDeps, scheduler: Scheduler): DatabaseFeature {
  const databases = new DatabaseSystem(deps);
  const backups = new BackupManager(databases, scheduler);
  return {
    databases,
    backups,
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
