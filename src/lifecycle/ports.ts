/**
 * What the lifecycle feature needs from its neighbours, as narrow interfaces main.ts fills in: it tears
 * down what the deploy, domain/TLS, git and database features made, without constructing any of them.
 */
import type { Db } from '../db/connection.js';
import type { Router } from '../deploys/ports.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';

export interface DeploymentControl {
  /** Cancels a queued or running deployment and waits until its run has cleaned up. */
  cancel(deploymentId: string): Promise<unknown>;
}

/** Custom domains and certificates (absent where HTTPS is not wired, e.g. some tests). */
export interface DomainCleanup {
  /** Forgets the service's domains in the router and stops serving their certificates. */
  forget(serviceId: string, hostnames: string[]): void;
}

/** The built-in git remote's repositories (absent where the git remote is not wired). */
export interface RepositoryLocator {
  /** The repository of this very service (not a deleted namesake's), or undefined when it has none. */
  pathOf(projectName: string, serviceName: string, serviceId: string): string | undefined;
  /** The directory holding a project's repositories. */
  projectDir(projectName: string): string;
}

export interface DatabaseControl {
  list(projectId: string): Promise<Array<{ id: string; name: string; volumeName: string }>>;
  isBusy(id: string): boolean;
  /** Removes the database (container, row, backups); its volume only when asked. */
  remove(id: string, name: string, deleteVolume: boolean): Promise<void>;
}

/** A service's named volumes and their backups (src/volumes): deleted with the service. */
export interface VolumeCleanup {
  /** Removes every Docker volume and backup file of the service; returns how many volumes. */
  removeAllOf(serviceId: string): Promise<number>;
}

export interface LifecycleDeps {
  db: Db;
  runtime: Runtime;
  logger: Logger;
  /** The deploy feature's router: dropping a service here takes it off the proxy at once. */
  router: Router;
  deployments: DeploymentControl;
  databases: DatabaseControl;
  domains?: DomainCleanup;
  repos?: RepositoryLocator;
  volumes?: VolumeCleanup;
  /** The project's compose stacks: removed with it (containers, network, built images, volumes). */
  stacks?: StackCleanup;
  /** The cluster's objects of apps (BERTH_SCHEDULER=kubernetes); absent on Docker. */
  cluster?: ClusterCleanup;
  appsDomain: string;
  buildsDir: string;
  deploymentLogsDir: string;
  certsDir: string;
  /** How long in-flight requests get to finish once the route is gone. */
  drainTimeoutMs: number;
  stopTimeoutSeconds: number;
  /** This install's id (the `berth.install` label): orphan clean-up touches only objects carrying it. */
  installId: string;
}

export interface ClusterCleanup {
  /** Stops routing the app to its pods and deletes its Deployment, Service and Secrets. */
  removeApp(project: { id: string }, service: { id: string; name: string }): Promise<void>;
  /** Deletes the project's namespace with everything in it. */
  removeProject(projectId: string): Promise<void>;
}

export interface StackCleanup {
  /** Removes every stack of the project with all its objects; returns their names. */
  removeAllOf(projectId: string): Promise<string[]>;
}
