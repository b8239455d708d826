/**
 * Runtime logs of a service: the stdout and stderr of the containers of its ACTIVE deployment, made safe
 * with sanitizeLine (escape sequences gone, secret variable values redacted). Lines are passed on one at a time,
 * never collected, so memory stays bounded however long a follow runs.
 *
 * Following survives a redeploy: when the followed containers stop because a newer deployment went
 * active (the switch records it before stopping the old containers), the follow continues with the new
 * deployment's containers after a marker line. It ends when nothing newer took over (service stopped,
 * deleted, or never deployed), or when the signal aborts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isAppError } from '../errors.js';
import { sanitizeLine } from '../lib/log-sanitize.js';
import { secretForms } from '../lib/redact.js';
import type { ContainerSummary, Runtime } from '../runtime/runtime.js';
import type { DeployDeps } from './deploy-context.js';
import { findActiveDeployment } from './deployments.repository.js';
import { LABELS, isReleaseContainer } from '../workloads/labels.js';

export const MAX_TAIL = 1000;
export const DEFAULT_TAIL = 200;
/** Pause before re-reading a container that restarted, so a crash loop cannot spin. */
const RESTART_POLL_MS = 1000;

export type RuntimeLogDeps = Pick<DeployDeps, 'runtime' | 'db' | 'catalog'>;

export interface RuntimeLogOptions {
  /** Lines from the end of each container's log to start with (capped at MAX_TAIL). */
  tail?: number;
  follow: boolean;
  signal?: AbortSignal;
}

export function clampTail(tail: number | undefined): number {
  if (tail === undefined || !Number.isFinite(tail)) return DEFAULT_TAIL;
  return Math.max(0, Math.min(MAX_TAIL, Math.floor(tail)));
}

/** The app containers of a deployment (not its one-off release container), by replica number. */
export async function containersOfDeployment(runtime: Runtime, deploymentId: string): Promise<ContainerSummary[]> {
  const all = await runtime.listContainers({ [LABELS.deployment]: deploymentId });
  return all
    .filter((c) => !isReleaseContainer(c.labels))
    .sort((a, b) => Number(a.labels[LABELS.replica] ?? 0) - Number(b.labels[LABELS.replica] ?? 0));
}

/** A container removed while we read it is the end of its log, not a failure; an unreachable engine is. */
function isGone(error: unknown): boolean {
  return isAppError(error) && error.code === 'DOCKER_ERROR';
}

async function readContainer(
  runtime: Runtime,
  id: string,
  options: { tail: number; follow: boolean; signal?: AbortSignal },
  onLine: (line: string) => void,
): Promise<void> {
  let tail = options.tail;
  for (;;) {
    try {
      await runtime.containerLogs(id, { follow: options.follow, tail, signal: options.signal }, onLine);
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    if (!options.follow || options.signal?.aborted) return;
    // The engine ends a followed log when the container stops; under its restart policy it may come back.
    const state = (await runtime.inspectContainer(id).catch(() => undefined))?.state;
    if (state !== 'running' && state !== 'restarting') return;
    await sleep(RESTART_POLL_MS, undefined, { signal: options.signal }).catch(() => {});
    tail = 0;
  }
}

/** Reads every container of one deployment; followed ones in parallel, a snapshot replica after replica. */
async function readDeployment(
  deps: RuntimeLogDeps,
  serviceId: string,
  deploymentId: string,
  options: { tail: number; follow: boolean; signal?: AbortSignal },
  onLine: (line: string) => void,
): Promise<void> {
  const containers = await containersOfDeployment(deps.runtime, deploymentId);
  // Values as they are now: the best available guess at what the running containers were given.
  const env = await deps.catalog.resolveVariables(serviceId);
  const secrets = (await deps.catalog.secretValues(serviceId, env)).flatMap(secretForms);
  const isSeveral = containers.length > 1;
  const reader = (c: ContainerSummary) => {
    const prefix = isSeveral ? `[${c.labels[LABELS.replica] ?? '?'}] ` : '';
    return readContainer(deps.runtime, c.id, options, (line) => onLine(prefix + sanitizeLine(line, secrets)));
  };
  if (options.follow) {
    await Promise.all(containers.map(reader));
  } else {
    for (const c of containers) await reader(c);
  }
}

/**
 * Sends the service's runtime log lines to `onLine`. Resolves with the deployment first read, or null
 * when nothing is deployed (then nothing is sent).
 */
export async function followServiceLogs(
  deps: RuntimeLogDeps,
  serviceId: string,
  options: RuntimeLogOptions,
  onLine: (line: string) => void,
): Promise<{ deploymentId: string | null }> {
  const { follow, signal } = options;
  const first = await findActiveDeployment(deps.db, serviceId);
  let current = first;
  let tail = clampTail(options.tail);
  while (current && !signal?.aborted) {
    await readDeployment(deps, serviceId, current.id, { tail, follow, signal }, onLine);
    if (!follow || signal?.aborted) break;
    const next = await findActiveDeployment(deps.db, serviceId);
    if (!next || next.id === current.id) break;
    onLine(`--- deployment ${next.id} is now active; following its containers`);
    current = next;
    // The new containers started before the switch: show what they printed since, up to the cap.
    tail = MAX_TAIL;
  }
  return { deploymentId: first?.id ?? null };
}

/** How much unsent output a slow reader may leave queued before lines are dropped. */
export const MAX_BACKLOG_BYTES = 1024 * 1024;

/**
 * Guards a sink that queues without limit (a socket): while more than `maxBacklog` bytes wait to be sent,
 * lines are dropped and counted, and the count is reported once the reader has caught up.
 */
export function dropWhenBacklogged(
  write: (line: string) => void,
  backlogBytes: () => number,
  maxBacklog = MAX_BACKLOG_BYTES,
): (line: string) => void {
  let dropped = 0;
  return (line) => {
    if (backlogBytes() > maxBacklog) {
      dropped++;
      return;
    }
    if (dropped > 0) write(`--- ${dropped} line(s) skipped: the reader was too slow`);
    dropped = 0;
    write(line);
  };
}
