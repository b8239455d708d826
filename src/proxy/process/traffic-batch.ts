/**
 * The proxy workers' request accounting on its way to the daemon (process mode): what a worker counted
 * in one interval (per-service counters and latency buckets, request-log entries, access-log lines),
 * merged by the supervisor, then taken by the daemon with the control channel's `traffic.take` query.
 * The daemon checks the reply here against an allow-list of fields and bounds before it feeds anything
 * into its stores: a proxy is a separate process, its replies are input like any other.
 */
import { AppError } from '../../errors.js';

/** Latency buckets of the histogram (src/traffic/latency-histogram.ts BUCKET_COUNT). */
export const HISTOGRAM_BUCKETS = 110;
/** Bounds of one batch; the supervisor's queues stay under them, so a valid proxy never exceeds them. */
export const MAX_BATCH_SERVICES = 2_000;
export const MAX_BATCH_LOG_ENTRIES = 5_000;
export const MAX_BATCH_ACCESS_LINES = 10_000;
/** Longer access-log lines (a huge Host header) are dropped and counted: a batch stays far below the line cap. */
export const MAX_ACCESS_LINE_CHARS = 1_024;

/** One service's counts over an interval (the shape of the traffic feature's TrafficWindow). */
export interface WindowCounts {
  serviceId: string;
  requests: number;
  /** [1xx+2xx, 3xx, 4xx, 5xx] */
  statusClasses: [number, number, number, number];
  bytesIn: number;
  bytesOut: number;
  /** Counts per latency bucket (HISTOGRAM_BUCKETS long). */
  latency: ArrayLike<number>;
  logDropped: number;
}

/** One request-log entry (the shape of the traffic feature's RequestLogEntry). */
export interface LogEntryRecord {
  serviceId: string;
  /** Epoch ms when the response ended. */
  at: number;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
}

/** On the wire: windows with sparse histograms ([bucket, count] pairs), log entries as tuples. */
export interface WireWindow {
  serviceId: string;
  requests: number;
  statusClasses: [number, number, number, number];
  bytesIn: number;
  bytesOut: number;
  latency: Array<[number, number]>;
  logDropped: number;
}
export type WireLogEntry = [string, number, string, string, number, number, number, number];

export interface TrafficBatch {
  windows: WireWindow[];
  log: WireLogEntry[];
  access: string[];
  /** Dropped on the way (queues full): access-log lines; request-log drops count in each window's logDropped. */
  accessDropped: number;
}

export const EMPTY_BATCH: TrafficBatch = Object.freeze({
  windows: [],
  log: [],
  access: [],
  accessDropped: 0,
}) as TrafficBatch;

/** What a worker's accounting gives (TrafficAccounting from src/traffic, injected by proxy-main.ts). */
export interface WorkerAccounting {
  takeWindows(): WindowCounts[];
  takeLogEntries(): LogEntryRecord[];
}

/** Where the daemon puts what the workers counted (TrafficAccounting, the same stores inline feeds). */
export interface RemoteTrafficSink {
  addWindow(window: WindowCounts): void;
  addLogEntry(entry: LogEntryRecord): void;
}

export function toWireWindow(window: WindowCounts): WireWindow {
  const latency: Array<[number, number]> = [];
  for (let i = 0; i < window.latency.length; i++) if (window.latency[i]! > 0) latency.push([i, window.latency[i]!]);
  return {
    serviceId: window.serviceId,
    requests: window.requests,
    statusClasses: [...window.statusClasses],
    bytesIn: window.bytesIn,
    bytesOut: window.bytesOut,
    latency,
    logDropped: window.logDropped,
  };
}

export function fromWireWindow(wire: WireWindow): WindowCounts {
  const latency = new Float64Array(HISTOGRAM_BUCKETS);
  for (const [bucket, count] of wire.latency) latency[bucket]! += count;
  return { ...wire, statusClasses: [...wire.statusClasses], latency };
}

export function toWireLogEntry(e: LogEntryRecord): WireLogEntry {
  return [e.serviceId, e.at, e.method, e.path, e.status, e.durationMs, e.bytesIn, e.bytesOut];
}

export function fromWireLogEntry(e: WireLogEntry): LogEntryRecord {
  const [serviceId, at, method, path, status, durationMs, bytesIn, bytesOut] = e;
  return { serviceId, at, method, path, status, durationMs, bytesIn, bytesOut };
}

// Validation (the daemon's side of `traffic.take`): allow-listed fields, bounded sizes, finite numbers.

type Json = Record<string, unknown>;
const ID = /^[A-Za-z0-9_.:-]{1,200}$/;
const METHOD = /^[A-Za-z]{1,32}$/;

function fail(message: string): never {
  throw new AppError('VALIDATION_FAILED', `traffic batch: ${message}`);
}

function object(value: unknown, what: string, keys: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${what} has an unknown field "${key}"`);
  return value as Json;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${what} must be a count`);
  return value;
}

function list(value: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(value) || value.length > max) fail(`${what} must be a list of at most ${max}`);
  return value;
}

function serviceIdOf(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) fail(`${what} is not a service id`);
  return value;
}

function wireWindow(value: unknown, what: string): WireWindow {
  const raw = object(value, what, [
    'serviceId',
    'requests',
    'statusClasses',
    'bytesIn',
    'bytesOut',
    'latency',
    'logDropped',
  ]);
  const classes = list(raw.statusClasses, `${what}.statusClasses`, 4);
  if (classes.length !== 4) fail(`${what}.statusClasses has four counts`);
  const latency = list(raw.latency, `${what}.latency`, HISTOGRAM_BUCKETS).map((pair, i): [number, number] => {
    const entry = list(pair, `${what}.latency[${i}]`, 2);
    const bucket = entry[0];
    if (typeof bucket !== 'number' || !Number.isInteger(bucket) || bucket < 0 || bucket >= HISTOGRAM_BUCKETS)
      fail(`${what}.latency[${i}] names no bucket`);
    return [bucket, count(entry[1], `${what}.latency[${i}]`)];
  });
  return {
    serviceId: serviceIdOf(raw.serviceId, `${what}.serviceId`),
    requests: count(raw.requests, `${what}.requests`),
    statusClasses: classes.map((c, i) => count(c, `${what}.statusClasses[${i}]`)) as [number, number, number, number],
    bytesIn: count(raw.bytesIn, `${what}.bytesIn`),
    bytesOut: count(raw.bytesOut, `${what}.bytesOut`),
    latency,
    logDropped: count(raw.logDropped, `${what}.logDropped`),
  };
}

function wireLogEntry(value: unknown, what: string): WireLogEntry {
  const entry = list(value, what, 8);
  if (entry.length !== 8) fail(`${what} has eight fields`);
  const [serviceId, at, method, path, status, durationMs, bytesIn, bytesOut] = entry;
  if (typeof method !== 'string' || !METHOD.test(method)) fail(`${what} has no method`);
  if (typeof path !== 'string' || path.length > 300) fail(`${what} has no path`);
  const code = count(status, `${what} status`);
  if (!Number.isInteger(code) || code > 999) fail(`${what} status is not a status`);
  return [
    serviceIdOf(serviceId, `${what} service`),
    count(at, `${what} time`),
    method,
    path,
    code,
    count(durationMs, `${what} duration`),
    count(bytesIn, `${what} bytesIn`),
    count(bytesOut, `${what} bytesOut`),
  ];
}

/** Checks a `traffic.take` reply's batch; throws AppError VALIDATION_FAILED with the reason. */
export function parseTrafficBatch(value: unknown): TrafficBatch {
  const raw = object(value, 'batch', ['windows', 'log', 'access', 'accessDropped']);
  return {
    windows: list(raw.windows, 'windows', MAX_BATCH_SERVICES).map((w, i) => wireWindow(w, `windows[${i}]`)),
    log: list(raw.log, 'log', MAX_BATCH_LOG_ENTRIES).map((e, i) => wireLogEntry(e, `log[${i}]`)),
    access: list(raw.access, 'access', MAX_BATCH_ACCESS_LINES).map((line, i) => {
      if (typeof line !== 'string' || line.length > MAX_ACCESS_LINE_CHARS || line.includes('\n'))
        fail(`access[${i}] is not one line`);
      return line;
    }),
    accessDropped: count(raw.accessDropped, 'accessDropped'),
  };
}
