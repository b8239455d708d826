/**
 * Worker process containers of one release: started per process type and replica, checked to stay up for
 * a few seconds (a worker is never health-checked over HTTP: "healthy" means it did not exit or restart),
 * stopped gracefully (the service's stop timeout), and reconciled to a new replica count without a rebuild
 * (scaleProcess). The deploy steps (worker-release.ts) and the workers feature (src/workers) use these.
 */
import { commandArgv, parseStartCommand } from '../build/start-command.js';
import { AppError } from '../errors.js';
import type { AppWorkload } from '../workloads/app-spec.js';
import { LABELS, ROLES } from '../workloads/labels.js';
import { workerContainerSpec } from '../workloads/worker-spec.js';
import type { DeployDeps } from './deploy-context.js';
import { removeContainers } from './deploy-steps.js';
import { findActiveDeployment, sealedVariablesOf } from './deployments.repository.js';
import { currentVolumeMounts } from './volume-deploy-mode.js';
import { DEFAULT_WORKER_REPLICAS, processTypesOfDeployment, workerReplicasOf } from './worker-processes.repository.js';

export type WorkerDeps = Pick<
  DeployDeps,
  'db' | 'runtime' | 'catalog' | 'secretBox' | 'timing' | 'logger' | 'events' | 'volumes' | 'placement'
>;

/**
 * One change of a service's workers at a time in this daemon (a deploy replacing them, a new replica
 * count, recovery at start): two of them would otherwise start the same replica under the same name.
 */
const changing = new Map<string, Promise<unknown>>();

export function withWorkerLock<T>(serviceId: string, work: () => Promise<T>): Promise<T> {
  const previous = changing.get(serviceId) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  const tail = next.catch(() => undefined);
  changing.set(serviceId, tail);
  void tail.then(() => {
    if (changing.get(serviceId) === tail) changing.delete(serviceId);
  });
  return next;
}

/** The argv a process type's Procfile command runs as (checked again: it came from the database). */
export function processArgv(processType: string, command: string): string[] {
  return commandArgv(parseStartCommand(command, `Procfile ${processType}`));
}

/** The replica count of each process type of a release (a chosen count, else 1). */
export async function plannedReplicas(
  deps: Pick<WorkerDeps, 'db'>,
  serviceId: string,
  types: Record<string, string>,
): Promise<Map<string, number>> {
  const chosen = await workerReplicasOf(deps.db, serviceId);
  return new Map(Object.keys(types).map((t) => [t, chosen.get(t) ?? DEFAULT_WORKER_REPLICAS]));
}

/** Creates and starts the given replicas of one process type; returns their ids. */
export async function startWorkerReplicas(
  deps: Pick<WorkerDeps, 'runtime'>,
  workload: AppWorkload,
  processType: string,
  command: string,
  replicas: readonly number[],
  log: (line: string) => void,
): Promise<string[]> {
  const argv = processArgv(processType, command);
  const ids: string[] = [];
  for (const replica of replicas) {
    const id = await deps.runtime.createContainer(workerContainerSpec(workload, processType, argv, replica));
    ids.push(id);
    await deps.runtime.startContainer(id);
    log(`Started ${processType} ${replica} (${id.slice(0, 12)})`);
  }
  return ids;
}

/**
 * Waits `ms`, then says which of the containers did not stay up (exited, or restarted by the engine):
 * their description for the log. A worker that crashes does not undo a deploy that already switched.
 */
export async function unsettledWorkers(
  deps: Pick<WorkerDeps, 'runtime'>,
  ids: readonly string[],
  ms: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  await new Promise((resolve) => setTimeout(resolve, ms));
  const problems: string[] = [];
  for (const id of ids) {
    const details = await deps.runtime.inspectContainer(id);
    if (!details) problems.push(`${id.slice(0, 12)} is gone`);
    else if (details.state !== 'running' || details.restartCount > 0) {
      const process = details.labels[LABELS.process] ?? 'worker';
      const exit = details.exitCode !== null && details.exitCode !== 0 ? ` (last exit code ${details.exitCode})` : '';
      problems.push(`${process} ${details.labels[LABELS.replica] ?? ''} did not stay up${exit}`);
    }
  }
  return problems;
}

/** The worker containers of a service, optionally of one deployment and one process type. */
export async function workerContainers(
  deps: Pick<WorkerDeps, 'runtime'>,
  serviceId: string,
  filter: { deploymentId?: string; processType?: string } = {},
) {
  const labels: Record<string, string> = { [LABELS.service]: serviceId, [LABELS.role]: ROLES.worker };
  if (filter.deploymentId) labels[LABELS.deployment] = filter.deploymentId;
  if (filter.processType) labels[LABELS.process] = filter.processType;
  const found = await deps.runtime.listContainers(labels);
  return found.sort((a, b) => Number(a.labels[LABELS.replica] ?? 0) - Number(b.labels[LABELS.replica] ?? 0));
}

/** Stops (with the stop timeout: SIGTERM first) and removes worker containers. */
export async function stopWorkers(deps: Pick<WorkerDeps, 'runtime' | 'timing'>, ids: readonly string[]) {
  await removeContainers({ deps: deps as DeployDeps }, [...ids]);
}

/**
 * Makes the active release run exactly the chosen replica count of `processType`: starts the missing
 * replica numbers (with the variables and image the release runs with) or stops the highest ones.
 * Returns the containers started and stopped. Nothing to do without an active deployment. The caller
 * holds the service's worker lock.
 */
export async function scaleProcess(
  deps: WorkerDeps,
  serviceId: string,
  processType: string,
): Promise<{ started: number; stopped: number }> {
  const active = await findActiveDeployment(deps.db, serviceId);
  if (!active?.image) return { started: 0, stopped: 0 };
  const types = await processTypesOfDeployment(deps.db, active.id);
  const command = types[processType];
  if (command === undefined) return { started: 0, stopped: 0 };
  const want = (await plannedReplicas(deps, serviceId, types)).get(processType) ?? DEFAULT_WORKER_REPLICAS;
  // On the cluster the type's Deployment is scaled (kubernetes-workers.ts); nothing is started here.
  if (deps.placement?.workers) {
    await deps.placement.workers.scale(deps, serviceId, processType, want);
    return { started: 0, stopped: 0 };
  }
  const have = await workerContainers(deps, serviceId, { deploymentId: active.id, processType });
  const numbers = new Set(have.map((c) => Number(c.labels[LABELS.replica])));
  const surplus = have.filter((c) => Number(c.labels[LABELS.replica]) > want).map((c) => c.id);
  const missing = Array.from({ length: want }, (_, i) => i + 1).filter((n) => !numbers.has(n));
  if (surplus.length > 0) await stopWorkers(deps, surplus);
  if (missing.length > 0) {
    const found = await deps.catalog.findService(serviceId);
    const sealed = await sealedVariablesOf(deps.db, active.id);
    if (!found || !sealed) throw new AppError('CONFLICT', 'The active release cannot be read to start workers.');
    const env = JSON.parse(deps.secretBox.decrypt(sealed)) as Record<string, string>;
    const volumes = await currentVolumeMounts(deps, { projectId: found.project.id, serviceId });
    const workload: AppWorkload = { ...found, deploymentId: active.id, image: active.image, env, volumes };
    await startWorkerReplicas(deps, workload, processType, command, missing, () => undefined);
  }
  return { started: missing.length, stopped: surplus.length };
}

/**
 * At start (recovery.ts): each active release runs its chosen workers again, e.g. when the daemon died
 * between a switch and the start of the new release's workers. Failures are logged, never thrown.
 */
export async function restoreWorkers(deps: WorkerDeps, activeServiceIds: readonly string[]): Promise<void> {
  for (const serviceId of activeServiceIds) {
    await withWorkerLock(serviceId, async () => {
      const active = await findActiveDeployment(deps.db, serviceId);
      const types = active ? await processTypesOfDeployment(deps.db, active.id) : {};
      for (const type of Object.keys(types)) {
        const done = await scaleProcess(deps, serviceId, type);
        if (done.started > 0) deps.logger.warn({ serviceId, type, started: done.started }, 'started missing workers');
      }
    }).catch((error: unknown) => deps.logger.warn({ err: error, serviceId }, 'could not restore the workers'));
  }
}
