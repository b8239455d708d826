/**
 * The metrics store's size rule: every minute, 10-s buckets roll up into 1-min ones and 1-min into 1-h ones
 * (the bucket still filling up is recomputed each time, so the coarser views are never more than a minute
 * behind), then each resolution loses what is older than it is kept for: 10 s for a day, 1 min for a
 * week, 1 h for 90 days. The store is therefore bounded by the number of series, not by time.
 */
import type { Job } from '../jobs/scheduler.js';
import type { MetricsRepository } from './metrics.repository.js';
import { RETENTION_SECONDS, RESOLUTIONS } from './metrics.types.js';

/** How far back roll-ups look: covers a few missed runs (a busy or briefly stopped daemon). */
const MINUTE_LOOKBACK_S = 10 * 60;
const HOUR_LOOKBACK_S = 2 * 3600;

export async function downsample(repository: MetricsRepository, nowMs: number): Promise<void> {
  const now = Math.floor(nowMs / 1000);
  await repository.rollUp(10, 60, now - MINUTE_LOOKBACK_S);
  await repository.rollUp(60, 3600, now - HOUR_LOOKBACK_S);
  for (const resolution of RESOLUTIONS) await repository.prune(resolution, now - RETENTION_SECONDS[resolution]);
  // A deleted service's or database's series goes at once, not after 90 days of ageing out.
  await repository.pruneOwnerless();
}

export function downsampleJob(repository: MetricsRepository, clock: () => number = Date.now): Job {
  return { name: 'metrics-downsample', schedule: '30 * * * * *', run: () => downsample(repository, clock()) };
}
