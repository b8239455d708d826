/**
 * Part of the composition root: answers the alert rules' questions (CPU, memory, 5xx share over a window)
 * from the metrics store and the proxy's traffic accounting, so the alerts feature never imports either.
 */
import { cpus } from 'node:os';
import type { MetricsReader } from './alerts/metrics-port.js';
import type { MetricsService } from './metrics/metrics.service.js';
import type { TrafficFeature } from './traffic/traffic.service.js';

/** The sampler writes a point every 10 s; a window with fewer than this share of its points is "too little data". */
const MIN_COVERAGE = 0.8;
const SAMPLE_SECONDS = 10;

export function createAlertMetricsReader(metrics: MetricsService, traffic: TrafficFeature): MetricsReader {
  const hostCores = Math.max(1, cpus().length);
  const pointsOver = async (serviceId: string, windowMs: number) => {
    const series = await metrics.series([serviceId], windowMs <= 3_600_000 ? '1h' : '24h');
    const from = series.to - windowMs / 1000;
    const points = series.points.filter((p) => p.t >= from);
    const expected = Math.floor(windowMs / 1000 / series.step);
    return points.length > 0 && points.length >= Math.floor(expected * MIN_COVERAGE) ? points : null;
  };
  return {
    async minCpuPercent(serviceId, windowMs) {
      const points = await pointsOver(serviceId, Math.max(windowMs, SAMPLE_SECONDS * 1000));
      // cpuPercent is in % of one core; the rule's threshold is in % of what the service may use (the host).
      return points ? Math.min(...points.map((p) => p.cpuPercent / hostCores)) : null;
    },
    async minMemoryPercent(serviceId, windowMs) {
      const points = await pointsOver(serviceId, Math.max(windowMs, SAMPLE_SECONDS * 1000));
      const used = points?.filter((p) => p.memoryLimitBytes > 0);
      return used && used.length > 0 ? Math.min(...used.map((p) => (p.memoryBytes / p.memoryLimitBytes) * 100)) : null;
    },
    async httpStatusCounts(serviceId, windowMs) {
      const series = await traffic.series(serviceId, windowMs <= 3_600_000 ? '1h' : '24h');
      const from = series.to - windowMs;
      let total = 0;
      let errors5xx = 0;
      for (const point of series.points.filter((p) => p.at >= from)) {
        total += point.requests;
        errors5xx += point.status5xx;
      }
      return total === 0 ? null : { total, errors5xx };
    },
  };
}
