/**
 * Runs one cron run to its end: a one-off container of the service's current image (spec from
 * src/workloads/cron-spec.ts), waited for until it exits, its timeout passes (then it is killed) or the run
 * is cancelled (replaced by a newer run, or its job deleted). Its output is kept (bounded, secrets hidden),
 * the row is finished, and the container removed. Never throws: a failure is the run's recorded outcome.
 */
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { cronRunContainerSpec, type CronRunWorkload } from '../workloads/cron-spec.js';
import { BoundedLog } from './cron-log.js';
import { finishRun, recordRunContainer, runExists } from './cron.repository.js';
import { LOG_BYTES_KEPT, type CronJob, type CronRunStatus } from './cron.types.js';

/** What a run needs to know about its service, given by the composition root. */
export interface CronSource {
  /** Project, service, current deployment image and variables; undefined when nothing is deployed. */
  workloadOf(serviceId: string): Promise<Omit<CronRunWorkload, 'jobId' | 'runId' | 'command'> | undefined>;
  /** Values to hide from the kept output (the service's secret variables). */
  secretsOf(serviceId: string): Promise<string[]>;
}

export interface RunnerDeps {
  db: Db;
  runtime: Runtime;
  source: CronSource;
  logger: Logger;
  /** How often the container is looked at while it runs (ms). */
  pollMs?: number;
}

export type CancelReason = 'replaced' | 'deleted' | 'shutdown';

export const CANCELLED: Record<CancelReason, string> = {
  replaced: 'Stopped: a newer run replaced it.',
  deleted: 'Stopped: the job was deleted.',
  shutdown: 'Stopped: Berth was shutting down.',
};

export interface RunOutcome {
  status: CronRunStatus;
  exitCode: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function executeRun(
  deps: RunnerDeps,
  job: CronJob,
  runId: string,
  cancelled: () => CancelReason | undefined,
): Promise<RunOutcome> {
  const { db, runtime, logger } = deps;
  const finish = async (outcome: RunOutcome, error: string | null, log = '') => {
    await finishRun(db, runId, { ...outcome, endedAt: Date.now(), error, log }).catch((err: unknown) =>
      logger.warn({ err, runId }, 'could not record the end of a cron run'),
    );
    return outcome;
  };
  let containerId: string | undefined;
  try {
    const workload = await deps.source.workloadOf(job.serviceId);
    if (!workload) {
      return await finish({ status: 'failed', exitCode: null }, 'The service has no active deployment to run.');
    }
    const spec = cronRunContainerSpec({ ...workload, jobId: job.id, runId, command: job.command });
    containerId = await runtime.createContainer(spec);
    await recordRunContainer(db, runId, workload.image, containerId);
    await runtime.startContainer(containerId);
    const deadline = Date.now() + job.timeoutSeconds * 1000;
    let status: CronRunStatus | undefined;
    let exitCode: number | null = null;
    let error: string | null = null;
    while (!status) {
      const details = await runtime.inspectContainer(containerId);
      // Its job (or the job's service) was deleted meanwhile: the run goes too.
      const reason = cancelled() ?? ((await runExists(db, runId)) ? undefined : 'deleted');
      if (!details) {
        [status, error] = ['failed', 'The run container disappeared.'];
      } else if (details.state === 'exited' || details.state === 'dead') {
        exitCode = details.exitCode;
        status = exitCode === 0 ? 'succeeded' : 'failed';
        if (details.oomKilled) error = 'Killed for using more memory than the service may.';
      } else if (reason) {
        await runtime.stopContainer(containerId, 1);
        [status, error] = ['cancelled', CANCELLED[reason]];
      } else if (Date.now() >= deadline) {
        await runtime.stopContainer(containerId, 1);
        [status, error] = ['timed-out', `Killed after its timeout of ${job.timeoutSeconds} s.`];
      } else {
        await sleep(deps.pollMs ?? 250);
      }
    }
    if (status === 'cancelled' || status === 'timed-out')
      exitCode = (await runtime.inspectContainer(containerId))?.exitCode ?? null;
    const log = new BoundedLog(LOG_BYTES_KEPT);
    await runtime.containerLogs(containerId, { follow: false }, (line) => log.push(line)).catch(() => undefined);
    const secrets = await deps.source.secretsOf(job.serviceId).catch(() => []);
    return await finish({ status, exitCode }, error, log.text(secrets));
  } catch (err) {
    logger.warn({ err, jobId: job.id, runId }, 'a cron run failed to run');
    const message = err instanceof Error ? err.message : String(err);
    return await finish({ status: 'failed', exitCode: null }, `Could not run: ${message}`);
  } finally {
    if (containerId) {
      await runtime.removeContainer(containerId, { volumes: true }).catch(() => undefined);
    }
  }
}
