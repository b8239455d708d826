/**
 * Where managed databases run when the scheduler is Kubernetes (BERTH_SCHEDULER=kubernetes): what
 * DatabaseSystem and BackupManager ask of the cluster instead of the Docker engine. Implemented by
 * kubernetes-databases.ts; absent on Docker.
 */
import type { ManagedDatabase } from './database.types.js';
import type { DatabaseCredentials } from './engines/types.js';
import type { ToolTarget } from './tool-runner.js';

export interface ScratchServer {
  target: ToolTarget;
  /** Removes the scratch server and everything made for it. */
  remove(): Promise<void>;
}

export interface DatabaseCluster {
  /**
   * Applies the database's objects with one replica and waits until its pod runs the current template and
   * is ready. Returns the StatefulSet's name (recorded as the database's "container") and whether its
   * volume was made now (empty: the latest verified backup may be restored into it).
   */
  provision(
    database: ManagedDatabase,
    credentials: DatabaseCredentials,
  ): Promise<{ name: string; freshVolume: boolean }>;
  /** Scales the StatefulSet to none and waits until its pod is gone (the volume stays). */
  stop(database: ManagedDatabase, credentials: DatabaseCredentials): Promise<void>;
  /** The pod's health in the panel's words. */
  health(database: ManagedDatabase): Promise<'healthy' | 'starting' | 'none' | 'missing'>;
  /** The ClusterIP Service's address apps connect to; undefined before the Service exists. */
  host(database: ManagedDatabase): Promise<string | undefined>;
  /** The running server's pod; throws a ToolFailure (in words) when it is not ready. */
  server(database: ManagedDatabase): Promise<ToolTarget>;
  /** A ready scratch pod of the same image with these (throwaway) credentials and an empty volume. */
  scratch(database: ManagedDatabase, credentials: DatabaseCredentials, purpose: string): Promise<ScratchServer>;
  /** Deletes the StatefulSet, Services, Secret and scratch pods; the claim and its volume only when asked. */
  remove(database: ManagedDatabase, options: { deleteVolume: boolean }): Promise<void>;
}
