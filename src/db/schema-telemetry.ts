/** Row types of the traffic, request log, runtime log and metric tables (src/traffic, src/metrics, src/kept-logs); re-exported by schema.ts. */
import type { Generated } from 'kysely';

/** src/traffic: per service and window; `latency` is a sparse JSON histogram. Times are epoch ms. */
export interface TrafficSamplesTable {
  service_id: string;
  resolution: '10s' | '1h';
  at: number;
  requests: number;
  status_2xx: number;
  status_3xx: number;
  status_4xx: number;
  status_5xx: number;
  bytes_in: number;
  bytes_out: number;
  latency: string;
  log_dropped: Generated<number>;
}

export interface RequestLogTable {
  id: Generated<number>;
  service_id: string;
  at: number;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
}

export interface RuntimeLogLinesTable {
  id: Generated<number>;
  service_id: string;
  deployment_id: string;
  container_id: string;
  /** A web replica's number, or a worker's `type.replica` (text in this integer column: kept-logs.repository.ts). */
  replica: number | string;
  at: number;
  line: string;
  /** Migration 0022; null for lines kept before it and for Berth's own marker lines. */
  stream: 'stdout' | 'stderr' | null;
}

export interface MetricSeriesTable {
  id: Generated<number>;
  /** A service id, or '@server' for the host. */
  key: string;
}

/** One bucket of one series at one resolution (src/metrics/metrics.repository.ts). */
export interface MetricSamplesTable {
  series: number;
  resolution: 10 | 60 | 3600;
  /** Bucket start, unix seconds. */
  ts: number;
  samples: number;
  span_ms: number;
  cpu_ms: number;
  memory_avg: number;
  memory_max: number;
  memory_limit: number;
  net_rx: number;
  net_tx: number;
  blk_read: number;
  blk_write: number;
  restarts: number;
  containers: number;
  disk_bytes: number | null;
}
