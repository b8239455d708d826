/** What the API and panel show about a database: its record, live health and variable names, never a credential. */
import type { Runtime } from '../runtime/runtime.js';
import type { DatabaseCluster } from './database-cluster.js';
import type { ManagedDatabase } from './database.types.js';
import { ENGINES } from './engines/index.js';
import { isRecreateNote } from './restore-on-recreate.js';

export interface DatabaseView extends ManagedDatabase {
  /** The engine's health check verdict right now ("missing" when the container is gone). */
  health: 'starting' | 'healthy' | 'unhealthy' | 'none' | 'missing' | 'unknown';
  /** Names of the variables apps can reference, e.g. ["DATABASE_URL", "PGHOST", ...]. */
  variableNames: string[];
  /** `lastError` is news (e.g. restored from a backup after a panel restore), not a problem. */
  lastErrorIsNote: boolean;
}

/** Names only: computed from placeholder credentials, so no secret is even opened. */
export function variableNames(engine: ManagedDatabase['engine']): string[] {
  return Object.keys(
    ENGINES[engine].connectionVariables('h', 1, { user: 'u', password: 'p', database: 'd', rootPassword: 'r' }),
  );
}

export async function toView(runtime: Runtime, database: ManagedDatabase): Promise<DatabaseView> {
  let health: DatabaseView['health'] = 'missing';
  if (database.containerId) {
    try {
      const details = await runtime.inspectContainer(database.containerId);
      health = !details ? 'missing' : details.state !== 'running' ? 'none' : (details.health ?? 'none');
    } catch {
      health = 'unknown';
    }
  }
  return viewWith(database, health);
}

/** The same view for a database on the cluster: its health is its pod's readiness. */
export async function toClusterView(cluster: DatabaseCluster, database: ManagedDatabase): Promise<DatabaseView> {
  let health: DatabaseView['health'];
  try {
    health = await cluster.health(database);
  } catch {
    health = 'unknown';
  }
  return viewWith(database, health);
}

function viewWith(database: ManagedDatabase, health: DatabaseView['health']): DatabaseView {
  return {
    ...database,
    health,
    variableNames: variableNames(database.engine),
    lastErrorIsNote: isRecreateNote(database.lastError),
  };
}
