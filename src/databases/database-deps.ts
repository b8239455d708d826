/** What the managed-databases feature is built from (wired in database-feature.ts). */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { DatabaseCluster } from './database-cluster.js';
import type { ManagedDatabase } from './database.types.js';

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

/** Container settings a recreate applies. */
export type SettingsChange = Partial<Pick<ManagedDatabase, 'memoryMb' | 'cpus' | 'publicAccess'>>;

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
