/** The shapes the metrics feature passes around: a bucket of samples, a chart range, a usage line. */

/** Resolutions kept, in seconds, and how long each is kept. */
export const RESOLUTIONS = [10, 60, 3600] as const;
export type Resolution = (typeof RESOLUTIONS)[number];
export const RETENTION_SECONDS: Record<Resolution, number> = {
  10: 24 * 3600,
  60: 7 * 24 * 3600,
  3600: 90 * 24 * 3600,
};

/** The series key of the host itself (service series use the service id). */
export const SERVER_SERIES = '@server';

/** What happened in one series over one bucket: counters as used within it, gauges as average and maximum. */
export interface Bucket {
  /** Bucket start, unix seconds. */
  ts: number;
  samples: number;
  /** Wall time the counters cover, ms. */
  spanMs: number;
  cpuMs: number;
  memoryAvg: number;
  memoryMax: number;
  memoryLimit: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  restarts: number;
  containers: number;
  diskBytes: number | null;
}

export const RANGES = ['1h', '24h', '7d', '30d'] as const;
export type Range = (typeof RANGES)[number];

/** Which stored resolution a range is read from, and how wide one chart point is. */
export const RANGE_PLAN: Record<Range, { seconds: number; resolution: Resolution; step: number }> = {
  '1h': { seconds: 3600, resolution: 10, step: 10 },
  '24h': { seconds: 86_400, resolution: 60, step: 300 },
  '7d': { seconds: 7 * 86_400, resolution: 60, step: 1800 },
  '30d': { seconds: 30 * 86_400, resolution: 3600, step: 3 * 3600 },
};

/** One chart point: rates and averages over `step` seconds starting at `t`. */
export interface SeriesPoint {
  t: number;
  /** CPU in % of one core (200 = two cores busy), like `docker stats`. */
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  /** Bytes per second. */
  netRxRate: number;
  netTxRate: number;
  blkReadRate: number;
  blkWriteRate: number;
  restarts: number;
  diskBytes: number | null;
}

export interface UsageLine {
  serviceId: string;
  serviceName: string;
  kind: 'app' | 'database';
  cpuHours: number;
  memoryGbHours: number;
  egressBytes: number;
  ingressBytes: number;
  /** The largest disk use seen in the month (container layers and volumes), bytes. */
  diskBytes: number;
}
