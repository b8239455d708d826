/**
 * A stopped container in words, from the engine's container state: "exited 137, 2 min ago", "ran out of
 * memory and was killed (exited 137), 5 s ago", "restarting after exit 1 (restart 3), just now". The
 * formatter is pure (the time is passed in); stoppedContainersOf reads the active deployment's containers.
 */
import { shortAgoWords } from '../lib/time-words.js';
import type { ContainerDetails } from '../runtime/runtime.js';
import { replicaNameOf } from '../workloads/labels.js';
import type { Deployment } from './deployment.types.js';
import { findActiveDeployment } from './deployments.repository.js';
import { containersOfDeployment, type RuntimeLogDeps } from './runtime-logs.js';

export type ContainerStopState = Pick<ContainerDetails, 'state' | 'exitCode' | 'restartCount'> & {
  finishedAt?: string | null;
  oomKilled?: boolean;
};

/** Null while the container runs (nothing to say); otherwise how it stopped and when. */
export function describeContainerStop(c: ContainerStopState, now: number): string | null {
  if (c.state === 'running' || c.state === 'paused') return null;
  if (c.state === 'created') return 'created, never started';
  if (c.state === 'removing') return 'being removed';
  const ago = shortAgoWords(c.finishedAt, now);
  const when = ago ? `, ${ago}` : '';
  const code = c.exitCode;
  const exited =
    code === null ? 'stopped' : c.oomKilled ? `ran out of memory and was killed (exited ${code})` : `exited ${code}`;
  if (c.state === 'restarting') {
    const restart = c.restartCount > 0 ? ` (restart ${c.restartCount})` : '';
    const after =
      code === null
        ? 'restarting'
        : c.oomKilled
          ? `restarting after running out of memory`
          : `restarting after exit ${code}`;
    return `${after}${restart}${when}`;
  }
  return `${exited}${when}`;
}

export interface StoppedContainer {
  replica: string;
  description: string;
}

/** The containers of a deployment that are not running, each in words (an empty list when all run). */
export async function stoppedContainersOf(
  deps: Pick<RuntimeLogDeps, 'runtime'>,
  deploymentId: string,
  now = Date.now(),
): Promise<StoppedContainer[]> {
  const stopped: StoppedContainer[] = [];
  for (const summary of await containersOfDeployment(deps.runtime, deploymentId)) {
    if (summary.state === 'running') continue;
    const details = await deps.runtime.inspectContainer(summary.id);
    const description = details && describeContainerStop(details, now);
    if (description) stopped.push({ replica: replicaNameOf(summary.labels), description });
  }
  return stopped;
}

/**
 * The service's active deployment (null when none) and how its containers stopped; [] while they run, or
 * when the engine cannot be asked (the log itself then says why).
 */
export async function runtimeLogState(
  deps: RuntimeLogDeps,
  serviceId: string,
): Promise<{ active: Deployment | null; stopped: StoppedContainer[] }> {
  const active = (await findActiveDeployment(deps.db, serviceId)) ?? null;
  const stopped = active ? await stoppedContainersOf(deps, active.id).catch(() => []) : [];
  return { active, stopped };
}
