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
import type { ContainerSummary, LogStream, Runtime } from '../runtime/runtime.js';
import type { DeployDeps } from './deploy-context.js';
import { findActiveDeployment } from './deployments.repository.js';
import { LABELS, isReleaseContainer, replicaNameOf } from '../workloads/labels.js';

export const MAX_TAIL = 1000;
export const DEFAULT_TAIL = 200;
/** Pause before re-reading a container that restarted, so a crash loop cannot spin. */
const RESTART_POLL_MS = 1000;

export type RuntimeLogDeps = Pick<DeployDeps, 'runtime' | 'db' | 'catalog' | 'placement'>;

export interface RuntimeLogOptions {
  /** Lines from the end of each container's log to start with (capped at MAX_TAIL). */
  tail?: number;
  follow: boolean;
  signal?: AbortSignal;
  /** Ask the engine for the time each line was written (passed on in LogLineMeta.at, not in the line). */
  timestamps?: boolean;
  /** Only one process: `web` (the routed replicas) or a worker's Procfile type; absent: all of them. */
  process?: string;
}

/** What is known about a line besides its text; marker lines Berth adds itself have none. */
export interface LogLineMeta {
  /** RFC 3339 time the container wrote the line (with `timestamps`). */
  at?: string;
  stream?: LogStream;
  replica?: string;
}

export type LogLineSink = (line: string, meta?: LogLineMeta) => void;

/** The engine's timestamp prefix: `2026-12-02T10:48:01.123456789Z ` */
const ENGINE_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/** Splits the engine's timestamp off a line read with `timestamps`. */
export function splitEngineTime(raw: string): { at: string | undefined; line: string } {
  const match = ENGINE_TIME.exec(raw);
  return match ? { at: match[1], line: raw.slice(match[0].length) } : { at: undefined, line: raw };
}

export function clampTail(tail: number | undefined): number {
  if (tail === undefined || !Number.isFinite(tail)) return DEFAULT_TAIL;
  return Math.max(0, Math.min(MAX_TAIL, Math.floor(tail)));
}

/** The app containers of a deployment (not its one-off release container): web replicas, then workers by type. */
export async function containersOfDeployment(runtime: Runtime, deploymentId: string): Promise<ContainerSummary[]> {
  const all = await runtime.listContainers({ [LABELS.deployment]: deploymentId });
  return all
    .filter((c) => !isReleaseContainer(c.labels))
    .sort(
      (a, b) =>
        (a.labels[LABELS.process] ?? '').localeCompare(b.labels[LABELS.process] ?? '') ||
        Number(a.labels[LABELS.replica] ?? 0) - Number(b.labels[LABELS.replica] ?? 0),
    );
}

/** A container removed while we read it is the end of its log, not a failure; an unreachable engine is. */
function isGone(error: unknown): boolean {
  return isAppError(error) && error.code === 'DOCKER_ERROR';
}

async function readContainer(
  runtime: Runtime,
  id: string,
  options: ReadOptions,
  onLine: (line: string, stream: LogStream) => void,
): Promise<void> {
  let tail = options.tail;
  for (;;) {
    try {
      const { follow, signal, timestamps } = options;
      await runtime.containerLogs(id, { follow, tail, signal, timestamps }, onLine);
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

type ReadOptions = { tail: number; follow: boolean; signal?: AbortSignal; timestamps?: boolean; process?: string };

/** Reads every container of one deployment; followed ones in parallel, a snapshot replica after replica. */
async function readDeployment(
  deps: RuntimeLogDeps,
  serviceId: string,
  deploymentId: string,
  options: ReadOptions,
  onLine: LogLineSink,
): Promise<void> {
  if (deps.placement?.readLogs) return readPlacedLogs(deps, serviceId, deploymentId, options, onLine);
  const containers = (await containersOfDeployment(deps.runtime, deploymentId)).filter(
    (c) => options.process === undefined || (c.labels[LABELS.process] ?? 'web') === options.process,
  );
  // Values as they are now: the best available guess at what the running containers were given.
  const env = await deps.catalog.resolveVariables(serviceId);
  const secrets = (await deps.catalog.secretValues(serviceId, env)).flatMap(secretForms);
  const isSeveral = containers.length > 1;
  const reader = (c: ContainerSummary) => {
    const replica = replicaNameOf(c.labels);
    const prefix = isSeveral ? `[${replica}] ` : '';
    return readContainer(deps.runtime, c.id, options, (raw, stream) => {
      const { at, line } = options.timestamps ? splitEngineTime(raw) : { at: undefined, line: raw };
      onLine(prefix + sanitizeLine(line, secrets), { at, stream, replica });
    });
  };
  if (options.follow) {
    await Promise.all(containers.map(reader));
  } else {
    for (const c of containers) await reader(c);
  }
}

/** The replicas' logs where the backend keeps them (pod logs on Kubernetes): followed live, or a snapshot. */
async function readPlacedLogs(
  deps: RuntimeLogDeps,
  serviceId: string,
  deploymentId: string,
  options: ReadOptions,
  onLine: LogLineSink,
): Promise<void> {
  if (options.process !== undefined && options.process !== 'web') return;
  const env = await deps.catalog.resolveVariables(serviceId);
  const secrets = (await deps.catalog.secretValues(serviceId, env)).flatMap(secretForms);
  if (options.follow && deps.placement!.followLogs) {
    const { tail, timestamps, signal } = options;
    const pods = new Set<string>();
    return deps.placement!.followLogs(deps, serviceId, deploymentId, { tail, timestamps, signal }, (raw, replica) => {
      pods.add(replica);
      const { at, line } = timestamps ? splitEngineTime(raw) : { at: undefined, line: raw };
      // Prefixed once a second pod has spoken (the pods are not known ahead, as containers are on Docker).
      onLine((pods.size > 1 ? `[${replica}] ` : '') + sanitizeLine(line, secrets), { at, replica });
    });
  }
  const replicas = await deps.placement!.readLogs!(deps, serviceId, deploymentId, options);
  for (const { replica, lines } of replicas) {
    const prefix = replicas.length > 1 ? `[${replica}] ` : '';
    for (const raw of lines) {
      const { at, line } = options.timestamps ? splitEngineTime(raw) : { at: undefined, line: raw };
      onLine(prefix + sanitizeLine(line, secrets), { at, replica });
    }
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
  onLine: LogLineSink,
): Promise<{ deploymentId: string | null }> {
  const { follow, signal, timestamps, process: onlyProcess } = options;
  const first = await findActiveDeployment(deps.db, serviceId);
  let current = first;
  let tail = clampTail(options.tail);
  while (current && !signal?.aborted) {
    await readDeployment(
      deps,
      serviceId,
      current.id,
      { tail, follow, signal, timestamps, process: onlyProcess },
      onLine,
    );
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
  write: LogLineSink,
  backlogBytes: () => number,
  maxBacklog = MAX_BACKLOG_BYTES,
): LogLineSink {
  let dropped = 0;
  return (line, meta) => {
    if (backlogBytes() > maxBacklog) {
      dropped++;
      return;
    }
    if (dropped > 0) write(`--- ${dropped} line(s) skipped: the reader was too slow`);
    dropped = 0;
    write(line, meta);
  };
}
