/**
 * What a deployed service is doing right now, read from the engine: how many of its active deployment's
 * containers run, and whether one is crash-looping (the engine restarts it with its own back-off under the
 * `unless-stopped` policy: 100 ms doubling up to a minute, reset after 10 s up). A crash report carries the
 * exit code and the container's last lines (sanitised and redacted like the runtime log).
 */
import { AppError } from '../errors.js';
import { sanitizeLine } from '../lib/log-sanitize.js';
import type { ContainerDetails } from '../runtime/runtime.js';
import { findActiveDeployment } from './deployments.repository.js';
import { containersOfDeployment, type RuntimeLogDeps } from './runtime-logs.js';
import { replicaNameOf } from '../workloads/labels.js';

/** A container restarted this recently is still in its crash loop (the engine resets its back-off after 10 s). */
const CRASH_LOOP_WINDOW_MS = 10_000;
export const CRASH_LOG_LINES = 10;

export interface CrashReport {
  /** The replica number of the crashed container. */
  replica: string;
  /** Its last exit code; null when it is up again for a moment between two crashes. */
  exitCode: number | null;
  restartCount: number;
  lastLines: string[];
}

export interface ServiceState {
  /** not-deployed: no active deployment; crashed: a container is crash-looping or stopped; unknown: no engine. */
  state: 'not-deployed' | 'running' | 'crashed' | 'unknown';
  activeDeploymentId: string | null;
  running: number;
  total: number;
  crash: CrashReport | null;
  /** Why the state is unknown (the engine did not answer). */
  problem: string | null;
}

export function hasCrashed(details: ContainerDetails, now = Date.now()): boolean {
  if (details.state !== 'running') return true;
  const startedAt = details.startedAt ? Date.parse(details.startedAt) : 0;
  return details.restartCount > 0 && now - startedAt < CRASH_LOOP_WINDOW_MS;
}

/**
 * `lastExitCode`: what the container last died with, as the container watcher saw it; used while a
 * crash-looping container is up for a moment (the engine then reports no exit code).
 */
export async function readServiceState(
  deps: RuntimeLogDeps,
  serviceId: string,
  lastExitCode: (containerId: string) => number | undefined = () => undefined,
): Promise<ServiceState> {
  const active = await findActiveDeployment(deps.db, serviceId);
  const state: ServiceState = {
    state: 'not-deployed',
    activeDeploymentId: active?.id ?? null,
    running: 0,
    total: 0,
    crash: null,
    problem: null,
  };
  if (!active) return state;
  try {
    if (deps.placement?.readState) {
      // On the cluster: ready pods against wanted replicas, and a crash-looping pod (kubernetes-state.ts).
      const placed = await deps.placement.readState(deps, serviceId, active.id);
      const secrets = Object.values(await deps.catalog.resolveVariables(serviceId).catch(() => ({})));
      state.running = placed.running;
      state.total = placed.total;
      state.state = placed.crash || placed.total === 0 ? 'crashed' : 'running';
      state.crash = placed.crash && {
        ...placed.crash,
        lastLines: placed.crash.lastLines.map((line) => sanitizeLine(line, secrets)),
      };
      return state;
    }
    const containers = await containersOfDeployment(deps.runtime, active.id);
    state.total = containers.length;
    state.running = containers.filter((c) => c.state === 'running').length;
    state.state = containers.length === 0 ? 'crashed' : 'running';
    for (const container of containers) {
      const details = await deps.runtime.inspectContainer(container.id);
      if (!details || !hasCrashed(details)) continue;
      state.state = 'crashed';
      state.crash = {
        replica: replicaNameOf(container.labels),
        exitCode: details.exitCode ?? lastExitCode(container.id) ?? null,
        restartCount: details.restartCount,
        lastLines: await lastLines(deps, serviceId, container.id),
      };
      break;
    }
  } catch (error) {
    state.state = 'unknown';
    state.problem = error instanceof AppError ? error.message : 'The container engine did not answer.';
  }
  return state;
}

async function lastLines(deps: RuntimeLogDeps, serviceId: string, containerId: string): Promise<string[]> {
  const secrets = Object.values(await deps.catalog.resolveVariables(serviceId).catch(() => ({})));
  const lines: string[] = [];
  await deps.runtime
    .containerLogs(containerId, { follow: false, tail: CRASH_LOG_LINES }, (line) =>
      lines.push(sanitizeLine(line, secrets)),
    )
    .catch(() => undefined);
  return lines;
}
