/**
 * Cron jobs of app services: create, change, pause, delete, run now, and the runs themselves. Each enabled
 * job is one named task of the shared Scheduler (src/jobs/scheduler.ts); when it fires, the job's overlap
 * policy decides what happens while a run is still going: `skip` records a skipped run, `queue` runs once
 * more after it (at most one waits), `replace` stops it and starts anew. A failed or timed-out run is
 * retried up to `retries` times. Runs are kept up to a cap per job.
 */
import { AppError } from '../errors.js';
import { nextRunsOf, type Scheduler } from '../jobs/scheduler.js';
import { requireDockerScheduler, type SchedulerName } from '../config-scheduler.js';
import { newId } from '../lib/ids.js';
import { cronJobSelector, cronRunSelector } from '../workloads/cron-spec.js';
import { parseCronJobInput } from './cron-input.js';
import { executeRun, type CancelReason, type RunnerDeps } from './cron-runner.js';
import { executeClusterRun, type CronCluster } from './cron-runner-kubernetes.js';
import * as repo from './cron.repository.js';
import { RUNS_KEPT_PER_JOB, type CronJob, type CronRun, type CronRunWithLog, type CronTrigger } from './cron.types.js';

export interface CronDeps extends RunnerDeps {
  scheduler: Scheduler;
  /** BERTH_SCHEDULER (absent: docker); on kubernetes, runs need `cluster`. */
  schedulerName?: SchedulerName;
  /** Runs as Jobs on the cluster (cron-runner-kubernetes.ts); absent: Docker containers (cron-runner.ts). */
  cluster?: CronCluster;
  /** Whether a service exists and is an app (cron jobs belong to apps only). */
  isApp(serviceId: string): Promise<boolean>;
}

interface Active {
  runId: string;
  cancel?: CancelReason;
  /** Another run waits for this one (overlap `queue`). */
  queued: boolean;
  done: Promise<void>;
}

export interface CronJobView extends CronJob {
  /** The next time it fires (ISO), null while paused. */
  nextRunAt: string | null;
  isRunning: boolean;
  lastRun: CronRun | null;
}

const taskName = (jobId: string) => `cron:${jobId}`;

export class CronService {
  private readonly active = new Map<string, Active>();
  private stopped = false;

  constructor(private readonly deps: CronDeps) {}

  /** Marks runs left running by a previous daemon as failed, removes their containers, schedules every job. */
  async start(): Promise<void> {
    for (const run of await repo.listRunningRuns(this.deps.db)) {
      await this.removeRunObjects(cronRunSelector(run.id));
      await repo.finishRun(this.deps.db, run.id, {
        status: 'failed',
        endedAt: Date.now(),
        exitCode: null,
        error: 'Interrupted: Berth stopped while it ran.',
        log: '',
      });
    }
    for (const job of await repo.listAllJobs(this.deps.db)) this.schedule(job);
  }

  /** Stops scheduling and waits for the runs going on (their containers are stopped). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const [jobId, active] of this.active) {
      this.deps.scheduler.remove(taskName(jobId));
      active.cancel = 'shutdown';
    }
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  async list(serviceId: string): Promise<CronJobView[]> {
    return Promise.all((await repo.listJobsOfService(this.deps.db, serviceId)).map((job) => this.view(job)));
  }

  async get(jobId: string, serviceId?: string): Promise<CronJobView> {
    const job = await repo.findJob(this.deps.db, jobId);
    if (!job || (serviceId !== undefined && job.serviceId !== serviceId)) {
      throw new AppError('NOT_FOUND', 'No such cron job.');
    }
    return this.view(job);
  }

  async create(serviceId: string, raw: Record<string, unknown>): Promise<CronJobView> {
    if (!this.deps.cluster) requireDockerScheduler(this.deps.schedulerName, 'Cron jobs are');
    if (!(await this.deps.isApp(serviceId)))
      throw new AppError('VALIDATION_FAILED', 'Cron jobs belong to app services.');
    const input = parseCronJobInput(raw);
    if (await repo.findJobByName(this.deps.db, serviceId, input.name)) {
      throw new AppError('CONFLICT', `This service already has a cron job named ${input.name}.`, {
        details: { name: 'already taken' },
      });
    }
    const id = newId('crj');
    await repo.insertJob(this.deps.db, id, serviceId, input);
    const job = (await repo.findJob(this.deps.db, id))!;
    this.schedule(job);
    return this.view(job);
  }

  async update(jobId: string, raw: Record<string, unknown>, serviceId?: string): Promise<CronJobView> {
    const current = await this.get(jobId, serviceId);
    const input = parseCronJobInput(raw, current);
    if (input.name !== current.name && (await repo.findJobByName(this.deps.db, current.serviceId, input.name))) {
      throw new AppError('CONFLICT', `This service already has a cron job named ${input.name}.`, {
        details: { name: 'already taken' },
      });
    }
    await repo.updateJob(this.deps.db, jobId, input);
    const job = (await repo.findJob(this.deps.db, jobId))!;
    this.schedule(job);
    return this.view(job);
  }

  setEnabled(jobId: string, enabled: boolean, serviceId?: string): Promise<CronJobView> {
    return this.update(jobId, { enabled }, serviceId);
  }

  /** Removes the schedule, stops a running run, removes its containers and the job with its history. */
  async remove(jobId: string, serviceId?: string): Promise<void> {
    const job = await this.get(jobId, serviceId);
    this.deps.scheduler.remove(taskName(job.id));
    const active = this.active.get(job.id);
    if (active) {
      active.queued = false;
      active.cancel = 'deleted';
      await active.done;
    }
    await this.removeRunObjects(cronJobSelector(job.id));
    await repo.deleteJob(this.deps.db, job.id);
  }

  /** Runs the job now (paused or not), under its overlap policy. Returns the run (or the skipped one). */
  async runNow(jobId: string, serviceId?: string): Promise<CronRun> {
    const job = await this.get(jobId, serviceId);
    const runId = await this.trigger(job, 'manual');
    return (await repo.findRun(this.deps.db, runId))!;
  }

  async runs(jobId: string, limit = RUNS_KEPT_PER_JOB): Promise<CronRun[]> {
    return repo.listRuns(this.deps.db, jobId, limit);
  }

  async run(jobId: string, runId: string): Promise<CronRunWithLog> {
    const run = await repo.findRun(this.deps.db, runId);
    if (!run || run.jobId !== jobId) throw new AppError('NOT_FOUND', 'No such run.');
    return run;
  }

  /** Resolves once the job has no run going on (tests, shutdown). */
  async idle(jobId: string): Promise<void> {
    while (this.active.has(jobId)) await this.active.get(jobId)!.done;
  }

  private schedule(job: CronJob): void {
    const name = taskName(job.id);
    if (!job.enabled || this.stopped) return this.deps.scheduler.remove(name);
    this.deps.scheduler.replace({
      name,
      schedule: job.schedule,
      timezone: job.timezone,
      run: async () => {
        const current = await repo.findJob(this.deps.db, job.id);
        // The job (or its service) was deleted, or paused elsewhere: the schedule goes with it.
        if (!current || !current.enabled) return this.deps.scheduler.remove(name);
        await this.trigger(current, 'schedule');
      },
    });
  }

  /** Starts a run, or applies the overlap policy when one is going on. Returns the run's id. */
  private async trigger(job: CronJob, trigger: CronTrigger): Promise<string> {
    const active = this.active.get(job.id);
    if (active && job.overlap === 'queue' && !active.queued) {
      active.queued = true;
      return active.runId;
    }
    if (active && job.overlap === 'replace') {
      active.cancel = 'replaced';
      active.queued = false;
      await active.done;
      return this.trigger(job, trigger);
    }
    if (active) {
      const id = newId('crr');
      const now = Date.now();
      const why =
        job.overlap === 'skip' ? 'Skipped: the previous run was still going.' : 'Skipped: a run already waits.';
      await repo.insertRun(
        this.deps.db,
        { id, jobId: job.id, trigger, attempt: 1, status: 'skipped', startedAt: now },
        { endedAt: now, error: why },
      );
      await repo.pruneRuns(this.deps.db, job.id, RUNS_KEPT_PER_JOB);
      return id;
    }
    return this.launch(job, trigger, 1);
  }

  private async launch(job: CronJob, trigger: CronTrigger, attempt: number): Promise<string> {
    const runId = newId('crr');
    let release!: () => void;
    const entry: Active = { runId, queued: false, done: new Promise<void>((r) => (release = r)) };
    this.active.set(job.id, entry);
    try {
      await repo.insertRun(this.deps.db, {
        id: runId,
        jobId: job.id,
        trigger,
        attempt,
        status: 'running',
        startedAt: Date.now(),
      });
    } catch (error) {
      this.active.delete(job.id);
      release();
      throw error;
    }
    const { cluster } = this.deps;
    const run = cluster
      ? executeClusterRun({ ...this.deps, cluster }, job, runId, () => entry.cancel)
      : executeRun(this.deps, job, runId, () => entry.cancel);
    void run.then(async (outcome) => {
      this.active.delete(job.id);
      release();
      await this.afterRun(job, runId, entry, outcome.status, attempt).catch((err: unknown) =>
        this.deps.logger.warn({ err, jobId: job.id }, 'could not follow up a cron run'),
      );
    });
    return runId;
  }

  private async afterRun(job: CronJob, runId: string, entry: Active, status: string, attempt: number): Promise<void> {
    await repo.pruneRuns(this.deps.db, job.id, RUNS_KEPT_PER_JOB);
    if (entry.cancel || this.stopped || this.active.has(job.id)) return;
    const current = await repo.findJob(this.deps.db, job.id);
    if (!current) return;
    // A failed or timed-out run stays in the history (and the cron_failed alert rule sees it).
    if (status === 'failed' || status === 'timed-out') {
      if (attempt <= current.retries) {
        await this.launch(current, 'retry', attempt + 1);
        const retry = this.active.get(job.id);
        if (retry) retry.queued = entry.queued;
        return;
      }
    }
    if (entry.queued) await this.launch(current, 'queue', 1);
  }

  /** The run containers (Jobs on the cluster) the labels select; a failure is left for the next time. */
  private async removeRunObjects(labels: Record<string, string>): Promise<void> {
    if (this.deps.cluster) await this.deps.cluster.k8s.deleteJobsByLabel(labels).catch(() => undefined);
    else await this.deps.runtime.removeContainersByLabel(labels).catch(() => undefined);
  }

  private async view(job: CronJob): Promise<CronJobView> {
    const [lastRun] = await repo.listRuns(this.deps.db, job.id, 1);
    const next = job.enabled ? nextRunsOf(job.schedule, job.timezone, 1)[0] : undefined;
    return {
      ...job,
      nextRunAt: next ? next.toISOString() : null,
      isRunning: this.active.has(job.id),
      lastRun: lastRun ?? null,
    };
  }
}
