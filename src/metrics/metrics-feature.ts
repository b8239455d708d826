/** Wires the metrics feature: the store, the 10-s sampler and the roll-up job on the scheduler, the reads. */
import type { Db } from '../db/connection.js';
import type { Job, Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { downsampleJob } from './downsampler.js';
import { MetricsRepository } from './metrics.repository.js';
import { MetricsService } from './metrics.service.js';
import { MetricsSampler } from './sampler.js';

export interface MetricsFeature {
  repository: MetricsRepository;
  sampler: MetricsSampler;
  service: MetricsService;
}

export function createMetricsFeature(deps: {
  db: Db;
  runtime: Runtime;
  dataDir: string;
  logger: Logger;
}): MetricsFeature {
  const repository = new MetricsRepository(deps.db);
  const sampler = new MetricsSampler({ runtime: deps.runtime, repository, dataDir: deps.dataDir, logger: deps.logger });
  return { repository, sampler, service: new MetricsService(repository) };
}

/** Sampling every 10 s (a six-field cron expression: seconds first) and the roll-ups every minute. */
export function metricsJobs(feature: MetricsFeature): Job[] {
  return [
    { name: 'metrics-sample', schedule: '*/10 * * * * *', run: () => feature.sampler.tick() },
    downsampleJob(feature.repository),
  ];
}

export function scheduleMetrics(feature: MetricsFeature, scheduler: Scheduler): void {
  for (const job of metricsJobs(feature)) scheduler.add(job);
}
