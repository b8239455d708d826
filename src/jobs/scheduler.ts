/**
 * The only importer of node-cron. Background jobs run on a schedule, never overlap themselves, and
 * catch their own failures: a failing job is logged and tried again next time; the daemon stays up.
 */
import cron, { createTask, type ScheduledTask } from 'node-cron';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface Job {
  name: string;
  /** A five- or six-field cron expression. */
  schedule: string;
  /** IANA time zone the schedule is read in (default: the host's). */
  timezone?: string;
  run(): Promise<void>;
}

export function isValidCronExpression(expression: string): boolean {
  return cron.validate(expression);
}

/** The next `count` times an expression fires in a time zone (the task is never started). */
export function nextRunsOf(expression: string, timezone: string | undefined, count: number): Date[] {
  const task = createTask(expression, () => {}, timezone ? { timezone } : {});
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}

/**
 * The shortest gap between two of the next `sample` runs of an expression, in ms (for minimum-interval
 * rules such as backups). The task is only created to ask node-cron; it is never started.
 */
export function shortestInterval(expression: string, sample = 50): number {
  const task = createTask(expression, () => {});
  try {
    const runs = task.getNextRuns(sample).map((d) => d.getTime());
    let shortest = Number.POSITIVE_INFINITY;
    for (let i = 1; i < runs.length; i++) shortest = Math.min(shortest, runs[i]! - runs[i - 1]!);
    return shortest;
  } finally {
    void task.destroy();
  }
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly named = new Map<string, ScheduledTask>();

  constructor(private readonly logger: Logger) {}

  add(job: Job): void {
    if (!isValidCronExpression(job.schedule)) {
      throw new AppError('VALIDATION_FAILED', `job ${job.name} has an invalid schedule "${job.schedule}"`);
    }
    const task = cron.schedule(job.schedule, () => this.runSafely(job), { name: job.name, noOverlap: true });
    this.tasks.push(task);
  }

  /** Adds a job that can be replaced or removed later by its name (e.g. one backup schedule per database). */
  replace(job: Job): void {
    this.remove(job.name);
    if (!isValidCronExpression(job.schedule)) {
      throw new AppError('VALIDATION_FAILED', `job ${job.name} has an invalid schedule "${job.schedule}"`);
    }
    this.named.set(
      job.name,
      cron.schedule(job.schedule, () => this.runSafely(job), {
        name: job.name,
        noOverlap: true,
        ...(job.timezone ? { timezone: job.timezone } : {}),
      }),
    );
  }

  remove(name: string): void {
    const task = this.named.get(name);
    if (!task) return;
    this.named.delete(name);
    void task.destroy();
  }

  /** Runs a job now, outside its schedule (e.g. once at start), with the same error handling. */
  runSafely(job: Job): Promise<void> {
    return job
      .run()
      .catch((error: unknown) => this.logger.error({ err: error, job: job.name }, 'background job failed'));
  }

  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
    for (const task of this.named.values()) await task.destroy();
    this.named.clear();
  }
}
