/**
 * The only importer of node-cron. Background jobs run on a schedule, never overlap themselves, and
 * catch their own failures: a failing job is logged and tried again next time; the daemon stays up.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface Job {
  name: string;
  /** A five- or six-field cron expression. */
  schedule: string;
  run(): Promise<void>;
}

export function isValidCronExpression(expression: string): boolean {
  return cron.validate(expression);
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(private readonly logger: Logger) {}

  add(job: Job): void {
    if (!isValidCronExpression(job.schedule)) {
      throw new AppError('VALIDATION_FAILED', `job ${job.name} has an invalid schedule "${job.schedule}"`);
    }
    const task = cron.schedule(job.schedule, () => this.runSafely(job), { name: job.name, noOverlap: true });
    this.tasks.push(task);
  }

  /** Runs a job now, outside its schedule (e.g. once at start), with the same error handling. */
  runSafely(job: Job): Promise<void> {
    return job
      .run()
      .catch((error: unknown) => this.logger.error({ err: error, job: job.name }, 'background job failed'));
  }

  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
  }
}
