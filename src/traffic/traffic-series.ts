/**
 * Turns stored samples into what charts and the API show: points at a fixed step with request counts by
 * status class, bytes and latency percentiles, plus totals over the whole range. Pure.
 */
import { BUCKET_COUNT, addEncodedHistogram, percentileMs } from './latency-histogram.js';
import type { SampleRow } from './traffic.repository.js';

export interface TrafficPoint {
  /** Epoch ms where the point's step starts. */
  at: number;
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  bytesIn: number;
  bytesOut: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface TrafficSeries {
  from: number;
  to: number;
  stepMs: number;
  points: TrafficPoint[];
  totals: Omit<TrafficPoint, 'at'> & { logDropped: number };
}

interface Accumulator {
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  bytesIn: number;
  bytesOut: number;
  latency: Float64Array;
}

function emptyAccumulator(): Accumulator {
  return {
    requests: 0,
    status2xx: 0,
    status3xx: 0,
    status4xx: 0,
    status5xx: 0,
    bytesIn: 0,
    bytesOut: 0,
    latency: new Float64Array(BUCKET_COUNT),
  };
}

function add(into: Accumulator, row: SampleRow): void {
  into.requests += row.requests;
  into.status2xx += row.status2xx;
  into.status3xx += row.status3xx;
  into.status4xx += row.status4xx;
  into.status5xx += row.status5xx;
  into.bytesIn += row.bytesIn;
  into.bytesOut += row.bytesOut;
  addEncodedHistogram(into.latency, row.latency);
}

function finish(acc: Accumulator): Omit<TrafficPoint, 'at'> {
  const { latency, ...counts } = acc;
  return {
    ...counts,
    p50Ms: percentileMs(latency, 0.5),
    p95Ms: percentileMs(latency, 0.95),
    p99Ms: percentileMs(latency, 0.99),
  };
}

/** Every step of [from, to) gets a point (zero when there was no traffic), so charts need no gap logic. */
export function buildSeries(rows: SampleRow[], from: number, to: number, stepMs: number): TrafficSeries {
  const steps = Math.max(1, Math.ceil((to - from) / stepMs));
  const buckets = Array.from({ length: steps }, emptyAccumulator);
  const total = emptyAccumulator();
  let logDropped = 0;
  for (const row of rows) {
    const index = Math.floor((row.at - from) / stepMs);
    if (index < 0 || index >= steps) continue;
    add(buckets[index]!, row);
    add(total, row);
    logDropped += row.logDropped;
  }
  return {
    from,
    to,
    stepMs,
    points: buckets.map((acc, i) => ({ at: from + i * stepMs, ...finish(acc) })),
    totals: { ...finish(total), logDropped },
  };
}

/** Sums samples into one (the hourly roll-up). */
export function mergeSamples(rows: SampleRow[]): Omit<SampleRow, 'at' | 'latency'> & { latency: Float64Array } {
  const acc = emptyAccumulator();
  let logDropped = 0;
  for (const row of rows) {
    add(acc, row);
    logDropped += row.logDropped;
  }
  return { ...acc, logDropped };
}
