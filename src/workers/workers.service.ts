/**
 * Worker processes of an app service, as the API and the panel see them: the process types of the active
 * release with their chosen replica count and how many run, and a new replica count applied at once (the
 * active release's containers start or stop; no rebuild). Changes of one service's workers run one at a time (withWorkerLock).
 */
import { PROCESS_TYPE } from '../build/procfile.js';
import { findActiveDeployment } from '../deploys/deployments.repository.js';
import { processTypesOfDeployment, setWorkerReplicas } from '../deploys/worker-processes.repository.js';
import {
  plannedReplicas,
  scaleProcess,
  withWorkerLock,
  workerContainers,
  type WorkerDeps,
} from '../deploys/worker-set.js';
import type { Executor } from '../db/executor.js';
import { AppError } from '../errors.js';
import { LABELS } from '../workloads/labels.js';

export const MAX_WORKER_REPLICAS = 20;

interface WorkerCounts {
  running: number;
  isCrashing: boolean;
}

export type ProcessState = 'running' | 'starting' | 'crashed' | 'off';

export interface ProcessView {
  type: string;
  command: string;
  /** The chosen replica count (0 = off). */
  replicas: number;
  running: number;
  state: ProcessState;
}

export interface ProcessList {
  /** The release the process types come from; null when nothing is deployed. */
  activeDeploymentId: string | null;
  processes: ProcessView[];
}

/** The replica count of a form or body: an integer from 0 to 20, else VALIDATION_FAILED naming `replicas`. */
export function checkReplicas(value: unknown): number {
  const number = typeof value === 'string' && /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > MAX_WORKER_REPLICAS) {
    const message = `Replicas must be a whole number from 0 to ${MAX_WORKER_REPLICAS} (0 turns the process off).`;
    throw new AppError('VALIDATION_FAILED', message, { details: { replicas: message } });
  }
  return number;
}

export class WorkersService {
  constructor(private readonly deps: WorkerDeps) {}

  async list(serviceId: string): Promise<ProcessList> {
    const active = await findActiveDeployment(this.deps.db, serviceId);
    if (!active) return { activeDeploymentId: null, processes: [] };
    const types = await processTypesOfDeployment(this.deps.db, active.id);
    if (Object.keys(types).length === 0) return { activeDeploymentId: active.id, processes: [] };
    const replicas = await plannedReplicas(this.deps, serviceId, types);
    const counts = await this.countsOf(serviceId, active.id);
    const processes = Object.entries(types).map(([type, command]): ProcessView => {
      const { running, isCrashing } = counts.get(type) ?? { running: 0, isCrashing: false };
      const wanted = replicas.get(type) ?? 0;
      const state: ProcessState =
        wanted === 0 ? 'off' : isCrashing ? 'crashed' : running >= wanted ? 'running' : 'starting';
      return { type, command, replicas: wanted, running, state };
    });
    return { activeDeploymentId: active.id, processes };
  }

  /** Sets the replica count of a process type of the active release and applies it. */
  async setReplicas(serviceId: string, processType: string, value: unknown): Promise<ProcessView> {
    const replicas = checkReplicas(value);
    if (!PROCESS_TYPE.test(processType)) throw this.unknown(processType);
    return withWorkerLock(serviceId, async () => {
      const active = await findActiveDeployment(this.deps.db, serviceId);
      const types = active ? await processTypesOfDeployment(this.deps.db, active.id) : {};
      if (types[processType] === undefined) throw this.unknown(processType);
      await setWorkerReplicas(this.deps.db, serviceId, processType, replicas);
      await scaleProcess(this.deps, serviceId, processType);
      const view = (await this.list(serviceId)).processes.find((p) => p.type === processType);
      return view!;
    });
  }

  /**
   * The checks and the write of `setReplicas` on `db`, a caller's transaction (project as code), without
   * scaling: call `setReplicas` with the same value once that transaction has committed.
   */
  async storeReplicas(db: Executor, serviceId: string, processType: string, value: unknown): Promise<void> {
    const replicas = checkReplicas(value);
    if (!PROCESS_TYPE.test(processType)) throw this.unknown(processType);
    const active = await findActiveDeployment(db, serviceId);
    const types = active ? await processTypesOfDeployment(db, active.id) : {};
    if (types[processType] === undefined) throw this.unknown(processType);
    await setWorkerReplicas(db, serviceId, processType, replicas);
  }

  /** Per process type: replicas running and whether one crashes (containers; pods on the cluster). */
  private async countsOf(serviceId: string, deploymentId: string): Promise<Map<string, WorkerCounts>> {
    const placed = this.deps.placement?.workers;
    if (placed) return placed.counts(this.deps, serviceId, deploymentId);
    const counts = new Map<string, WorkerCounts>();
    for (const c of await workerContainers(this.deps, serviceId, { deploymentId })) {
      const count = counts.get(c.labels[LABELS.process] ?? '') ?? { running: 0, isCrashing: false };
      if (c.state === 'running') count.running += 1;
      if (c.state === 'restarting' || c.state === 'exited' || c.state === 'dead') count.isCrashing = true;
      counts.set(c.labels[LABELS.process] ?? '', count);
    }
    return counts;
  }

  private unknown(processType: string): AppError {
    return new AppError(
      'NOT_FOUND',
      `The active release has no process type "${processType}": add it to the Procfile and deploy.`,
    );
  }
}
