/**
 * The proxy's request accounting (a RequestObserver): per service, counters and a latency histogram for
 * the current window, and the request log's bounded ring buffer. Everything here runs on the proxy's hot
 * path, so it only counts and copies into memory reserved up front; the traffic service drains it on
 * timers and writes to SQLite off the request path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestObserver } from '../proxy/request-observer.js';
import { BUCKET_COUNT, bucketOf } from './latency-histogram.js';
import { RequestLogBuffer, type RequestLogEntry } from './request-log-buffer.js';

/** What one service did in one window. */
export interface TrafficWindow {
  serviceId: string;
  requests: number;
  /** Responses by class: [1xx+2xx, 3xx, 4xx, 5xx]. */
  statusClasses: [number, number, number, number];
  bytesIn: number;
  bytesOut: number;
  latency: Float64Array;
  /** Request-log entries dropped because the buffer was full. */
  logDropped: number;
}

class ServiceCounters {
  requests = 0;
  ok = 0;
  redirect = 0;
  clientError = 0;
  serverError = 0;
  bytesIn = 0;
  bytesOut = 0;
  logDropped = 0;
  readonly latency = new Float64Array(BUCKET_COUNT);

  /** The window so far, then zero (the arrays are reused). */
  take(serviceId: string): TrafficWindow | undefined {
    if (this.requests === 0 && this.logDropped === 0) return undefined;
    const window: TrafficWindow = {
      serviceId,
      requests: this.requests,
      statusClasses: [this.ok, this.redirect, this.clientError, this.serverError],
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      latency: this.latency.slice(),
      logDropped: this.logDropped,
    };
    this.requests = this.ok = this.redirect = this.clientError = this.serverError = 0;
    this.bytesIn = this.bytesOut = this.logDropped = 0;
    this.latency.fill(0);
    return window;
  }
}

const kBytesRead = Symbol('berth.bytesReadCounted');
const kBytesWritten = Symbol('berth.bytesWrittenCounted');
type CountedSocket = Socket & { [kBytesRead]?: number; [kBytesWritten]?: number };

/** Longest path kept in the request log (no query string: tokens travel there). */
export const MAX_LOGGED_PATH = 300;

export class TrafficAccounting implements RequestObserver {
  private readonly services = new Map<string, ServiceCounters>();
  readonly log: RequestLogBuffer;

  constructor(logCapacity = 1000) {
    this.log = new RequestLogBuffer(logCapacity);
  }

  observe(serviceId: string, req: IncomingMessage, res: ServerResponse, durationMs: number): void {
    let counters = this.services.get(serviceId);
    if (counters === undefined) {
      counters = new ServiceCounters();
      this.services.set(serviceId, counters);
    }
    const status = res.statusCode;
    counters.requests++;
    if (status < 300) counters.ok++;
    else if (status < 400) counters.redirect++;
    else if (status < 500) counters.clientError++;
    else counters.serverError++;
    counters.latency[bucketOf(durationMs)]!++;
    // Bytes on the wire (headers included) since the connection's previous request ended: keep-alive
    // connections carry one request after another, so the socket's counters split cleanly.
    const socket = req.socket as CountedSocket;
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    const bytesIn = read - (socket[kBytesRead] ?? 0);
    const bytesOut = written - (socket[kBytesWritten] ?? 0);
    socket[kBytesRead] = read;
    socket[kBytesWritten] = written;
    counters.bytesIn += bytesIn;
    counters.bytesOut += bytesOut;

    // Under load the log is full for most of each second: count the miss before any string work.
    if (this.log.length >= this.log.capacity) {
      counters.logDropped++;
      return;
    }
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const path =
      queryAt < 0 && url.length <= MAX_LOGGED_PATH
        ? url
        : url.slice(0, queryAt < 0 ? MAX_LOGGED_PATH : Math.min(queryAt, MAX_LOGGED_PATH));
    if (!this.log.push(serviceId, req.method ?? '', path, status, durationMs, bytesIn, bytesOut)) counters.logDropped++;
  }

  /**
   * Adds counts made elsewhere (the proxy's worker processes) to the current window, so they are
   * written, charted and read by the autoscaler exactly like the ones observed here.
   */
  addWindow(window: Omit<TrafficWindow, 'latency'> & { latency: ArrayLike<number> }): void {
    const counters = this.countersOf(window.serviceId);
    counters.requests += window.requests;
    counters.ok += window.statusClasses[0];
    counters.redirect += window.statusClasses[1];
    counters.clientError += window.statusClasses[2];
    counters.serverError += window.statusClasses[3];
    counters.bytesIn += window.bytesIn;
    counters.bytesOut += window.bytesOut;
    counters.logDropped += window.logDropped;
    const n = Math.min(window.latency.length, BUCKET_COUNT);
    for (let i = 0; i < n; i++) counters.latency[i]! += window.latency[i]!;
  }

  /** A request-log entry made elsewhere (a worker process); counted as dropped when the buffer is full. */
  addLogEntry(entry: RequestLogEntry): void {
    if (!this.log.pushAt(entry)) this.countersOf(entry.serviceId).logDropped++;
  }

  private countersOf(serviceId: string): ServiceCounters {
    let counters = this.services.get(serviceId);
    if (counters === undefined) {
      counters = new ServiceCounters();
      this.services.set(serviceId, counters);
    }
    return counters;
  }

  /** The windows of every service that saw traffic since the last call; counters restart at zero. */
  takeWindows(): TrafficWindow[] {
    const windows: TrafficWindow[] = [];
    for (const [serviceId, counters] of this.services) {
      const window = counters.take(serviceId);
      if (window !== undefined) windows.push(window);
      // A service that went quiet gives its memory back (it was deleted, or simply idle).
      else this.services.delete(serviceId);
    }
    return windows;
  }

  /** The buffered request-log entries, oldest first; the buffer is empty afterwards. */
  takeLogEntries(): RequestLogEntry[] {
    return this.log.drain();
  }
}
