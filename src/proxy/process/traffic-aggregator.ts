/**
 * The supervisor's sum of what its workers counted (process mode): per-service counters and latency
 * buckets are added up (memory grows with the number of services, not of requests), request-log entries
 * and access-log lines wait in bounded queues that drop the oldest (a request-log drop counts in its
 * service's logDropped, like inline). The daemon takes it all with `traffic.take`. While no daemon asks,
 * the queues keep only the newest entries and the counters only the last MAX_HOLD_MS: the daemon adds
 * what it takes to its current 10 s window, so minutes of counts at once would read as a burst of
 * requests (and the autoscaler would act on it).
 */
import { BoundedQueue } from './bounded-queue.js';
import {
  HISTOGRAM_BUCKETS,
  MAX_BATCH_ACCESS_LINES,
  MAX_BATCH_SERVICES,
  type TrafficBatch,
  type WireLogEntry,
  type WireWindow,
} from './traffic-batch.js';

const LOG_QUEUE = 2_000;
/** Counters older than this (no daemon took them) are dropped when new ones arrive. */
export const MAX_HOLD_MS = 15_000;

interface Sum {
  requests: number;
  statusClasses: [number, number, number, number];
  bytesIn: number;
  bytesOut: number;
  latency: Float64Array;
  logDropped: number;
}

export class TrafficAggregator {
  private sums = new Map<string, Sum>();
  private readonly log = new BoundedQueue<WireLogEntry>(LOG_QUEUE);
  private readonly access = new BoundedQueue<string>(MAX_BATCH_ACCESS_LINES);
  private accessDropped = 0;
  /** Windows of services beyond MAX_BATCH_SERVICES (not expected; counted, never kept). */
  servicesDropped = 0;
  /** Requests counted but dropped because no daemon took them within MAX_HOLD_MS. */
  staleRequestsDropped = 0;
  private sumsSince = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Adds one worker's interval. */
  add(batch: TrafficBatch): void {
    const now = this.now();
    if (this.sums.size === 0) this.sumsSince = now;
    else if (now - this.sumsSince > MAX_HOLD_MS) {
      for (const sum of this.sums.values()) this.staleRequestsDropped += sum.requests;
      this.sums = new Map();
      this.sumsSince = now;
    }
    for (const window of batch.windows) this.addWindow(window);
    for (const entry of batch.log) {
      const evicted = this.log.push(entry);
      const sum = evicted === undefined ? undefined : this.sumOf(evicted[0]);
      if (sum !== undefined) sum.logDropped++;
    }
    for (const line of batch.access) this.access.push(line);
    this.accessDropped += batch.accessDropped;
  }

  /** Everything summed and queued since the last take, as one batch; starts again from zero. */
  take(): TrafficBatch {
    const windows: WireWindow[] = [];
    for (const [serviceId, sum] of this.sums) {
      const latency: Array<[number, number]> = [];
      for (let i = 0; i < HISTOGRAM_BUCKETS; i++) if (sum.latency[i]! > 0) latency.push([i, sum.latency[i]!]);
      windows.push({ serviceId, ...sum, latency });
    }
    this.sums = new Map();
    const access = this.access.take();
    const batch: TrafficBatch = {
      windows,
      log: this.log.take().items,
      access: access.items,
      accessDropped: this.accessDropped + access.dropped,
    };
    this.accessDropped = 0;
    return batch;
  }

  private addWindow(window: WireWindow): void {
    const sum = this.sumOf(window.serviceId);
    if (sum === undefined) return;
    sum.requests += window.requests;
    for (let i = 0; i < 4; i++) sum.statusClasses[i]! += window.statusClasses[i]!;
    sum.bytesIn += window.bytesIn;
    sum.bytesOut += window.bytesOut;
    sum.logDropped += window.logDropped;
    for (const [bucket, count] of window.latency)
      if (bucket >= 0 && bucket < HISTOGRAM_BUCKETS) sum.latency[bucket]! += count;
  }

  private sumOf(serviceId: string): Sum | undefined {
    let sum = this.sums.get(serviceId);
    if (sum !== undefined) return sum;
    if (this.sums.size >= MAX_BATCH_SERVICES) {
      this.servicesDropped++;
      return undefined;
    }
    sum = {
      requests: 0,
      statusClasses: [0, 0, 0, 0],
      bytesIn: 0,
      bytesOut: 0,
      latency: new Float64Array(HISTOGRAM_BUCKETS),
      logDropped: 0,
    };
    this.sums.set(serviceId, sum);
    return sum;
  }
}
