/** Builds the cron feature from its ports (the composition root supplies the service's image and variables). */
import type { Db } from '../db/connection.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { CronSource } from './cron-runner.js';
import { CronService, type CronDeps } from './cron.service.js';

export function createCronFeature(deps: {
  db: Db;
  runtime: Runtime;
  scheduler: Scheduler;
  logger: Logger;
  source: CronSource;
  isApp: CronDeps['isApp'];
  pollMs?: number;
  schedulerName?: CronDeps['schedulerName'];
  cluster?: CronDeps['cluster'];
}): CronService {
  return new CronService(deps);
}
