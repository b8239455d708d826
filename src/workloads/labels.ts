/**
 * The labels on every Docker object Berth makes, and the label sets it selects them by. Labels are how
 * Berth finds its objects again (after a restart, for clean-up, for metrics), never names: a name can be
 * reused, a label set says whose object it is. Pure functions over plain ids.
 */
import { INSTALL_LABEL } from '../runtime/runtime.js';

export type Labels = Record<string, string>;

/** Label keys. `install` is stamped by the runtime on everything it creates (withInstallLabel in runtime.ts). */
export const LABELS = {
  managed: 'berth.managed',
  project: 'berth.project',
  /** The environment of a service's containers and of an environment's network (issue 18). */
  environment: 'berth.environment',
  service: 'berth.service',
  deployment: 'berth.deployment',
  role: 'berth.role',
  replica: 'berth.replica',
  /** The port the app listens on inside the container (its health check and routes use it). */
  port: 'berth.port',
  /** A cron job's run container: the job and the run (it has no `berth.deployment`: it never serves). */
  cronJob: 'berth.cron-job',
  cronRun: 'berth.cron-run',
  /** A worker container's Procfile process type (`worker`, `clock`…); web replicas have none. */
  process: 'berth.process',
  /**
   * A worker pod's service on the cluster (kubernetes-worker-spec.ts): not `berth.service`, which the web
   * Deployment and Service select by, so a worker pod is never adopted or routed.
   */
  workerOf: 'berth.worker-of',
  /** A service volume's name (on the Docker volume, and on a helper container working on it). */
  volume: 'berth.volume',
  install: INSTALL_LABEL,
} as const;

/** Values of `berth.role`; app containers have none. */
export const ROLES = {
  release: 'release',
  database: 'database',
  upgrader: 'upgrader',
  cron: 'cron',
  /** A worker process (a Procfile type beyond web): made by a deployment, never routed. */
  worker: 'worker',
  /** A service's named volume, and the throwaway container that archives or restores one. */
  volume: 'volume',
  volumeHelper: 'volume-helper',
} as const;

/** Every object Berth manages carries this (the selector of "all of Berth's containers"). */
export function managedLabels(): Labels {
  return { [LABELS.managed]: 'true' };
}

/** A project's objects (its network). */
export function projectLabels(projectId: string): Labels {
  return { ...managedLabels(), [LABELS.project]: projectId };
}

/** Every container and image of a service (app or database: a database is a service too). */
export function serviceLabels(ids: { projectId: string; serviceId: string }): Labels {
  return { ...projectLabels(ids.projectId), [LABELS.service]: ids.serviceId };
}

/** The objects one deployment made: the image it built and its containers. */
export function deploymentLabels(ids: { projectId: string; serviceId: string; deploymentId: string }): Labels {
  return { ...serviceLabels(ids), [LABELS.deployment]: ids.deploymentId };
}

/** A database's container and volume. */
export function databaseLabels(database: { id: string; projectId: string; environmentId?: string }): Labels {
  return {
    ...serviceLabels({ projectId: database.projectId, serviceId: database.id }),
    ...environmentLabels(database.environmentId),
    [LABELS.role]: ROLES.database,
  };
}

/** The environment label, when the environment is known (older callers pass none). */
export function environmentLabels(environmentId: string | undefined): Labels {
  return environmentId ? { [LABELS.environment]: environmentId } : {};
}

/** Selects every object of one environment (its network, its services' containers and volumes). */
export function environmentSelector(environmentId: string): Labels {
  return { [LABELS.environment]: environmentId };
}

/** Selects every object of one service (teardown, old containers of a deploy). */
export function serviceSelector(serviceId: string): Labels {
  return { [LABELS.service]: serviceId };
}

/** Selects every container of one project (removing a project's apps). */
export function projectSelector(projectId: string): Labels {
  return { [LABELS.project]: projectId };
}

/** Selects everything one install made (orphan clean-up never looks beyond it). */
export function installSelector(installId: string): Labels {
  return { [LABELS.install]: installId };
}

/** A release container (a one-off run of the release command): never serves, never counted. */
export function isReleaseContainer(labels: Labels): boolean {
  return labels[LABELS.role] === ROLES.release;
}

/** A worker process container (never routed, never health-checked over HTTP). */
export function isWorkerContainer(labels: Labels): boolean {
  return labels[LABELS.role] === ROLES.worker;
}

/** How logs and states name a container: its replica (`1`), or a worker's type and replica (`worker.1`). */
export function replicaNameOf(labels: Labels): string {
  const replica = labels[LABELS.replica] ?? '1';
  const process = labels[LABELS.process];
  return process ? `${process}.${replica}` : replica;
}

/** An app replica (serves traffic): made by a deployment, not its release container, not a worker, not a cron run. */
export function isReplicaContainer(labels: Labels): boolean {
  return Boolean(labels[LABELS.deployment]) && !isReleaseContainer(labels) && !isWorkerContainer(labels);
}
