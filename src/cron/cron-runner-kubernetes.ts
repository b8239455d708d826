/**
 * Runs one cron run on the kubernetes scheduler (BERTH_SCHEDULER=kubernetes), beside the Docker runner
 * (cron-runner.ts) and with the same outcome rules: Berth's own scheduler stays the clock (run history,
 * "run now", pause, overlap rules and notifications do not change), and the run is a Job of the service's
 * active release (src/workloads/kubernetes-cron-job.ts: its image and variables Secret, the job's command,
 * no retry, the job's timeout as the Job's deadline). The pod's log is followed into the run's log (bounded,
 * secrets hidden), its exit code decides the status, a newer run or a deleted job stops it, and the Job
 * is deleted afterwards. Never throws: a failure is the run's recorded outcome.
 */
import { AppError } from '../errors.js';
import type { JobState } from '../runtime/kubernetes/client.js';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { APP_CONTAINER_NAME } from '../workloads/kubernetes-names.js';
import { cronJobObject, type KubernetesCronRun } from '../workloads/kubernetes-cron-job.js';
import { BoundedLog } from './cron-log.js';
import { CANCELLED, type CancelReason, type RunOutcome, type RunnerDeps } from './cron-runner.js';
import { finishRun, recordRunContainer, runExists } from './cron.repository.js';
import { LOG_BYTES_KEPT, type CronJob, type CronRunStatus } from './cron.types.js';

/** The service's active release, as a run's Job needs it. */
export type CronClusterTarget = Omit<KubernetesCronRun, 'jobId' | 'runId' | 'command' | 'timeoutSeconds'>;

/** The cluster side of cron, given by the composition root (absent: runs are Docker containers). */
export interface CronCluster {
  /** Undefined when the service has no active deployment. */
  targetOf(serviceId: string): Promise<CronClusterTarget | undefined>;
  k8s: Pick<KubernetesScheduler, 'apply' | 'runJob' | 'deleteJob' | 'listPods' | 'deleteJobsByLabel'>;
}

/** Past the Job's own deadline, so the cluster's word on a timed-out run comes first. */
const DEADLINE_SLACK_MS = 30_000;

export async function executeClusterRun(
  deps: RunnerDeps & { cluster: CronCluster },
  job: CronJob,
  runId: string,
  cancelled: () => CancelReason | undefined,
): Promise<RunOutcome> {
  const { db, logger, cluster } = deps;
  const log = new BoundedLog(LOG_BYTES_KEPT);
  const finish = async (outcome: RunOutcome, error: string | null) => {
    const secrets = await deps.source.secretsOf(job.serviceId).catch(() => []);
    await finishRun(db, runId, { ...outcome, endedAt: Date.now(), error, log: log.text(secrets) }).catch(
      (err: unknown) => logger.warn({ err, runId }, 'could not record the end of a cron run'),
    );
    return outcome;
  };
  let created: { namespace: string; name: string } | undefined;
  try {
    const target = await cluster.targetOf(job.serviceId);
    if (!target)
      return await finish({ status: 'failed', exitCode: null }, 'The service has no active deployment to run.');
    const object = cronJobObject({
      ...target,
      jobId: job.id,
      runId,
      command: job.command,
      timeoutSeconds: job.timeoutSeconds,
    });
    const podLabels = object.spec.template.metadata.labels;
    created = { namespace: object.metadata.namespace ?? '', name: object.metadata.name };
    await cluster.k8s.apply([object]);
    await recordRunContainer(db, runId, target.image, created.name);
    const stop = new AbortController();
    // Replaced by a newer run, or its job (or the job's service) deleted meanwhile: the run stops.
    const watch = setInterval(() => {
      void (async () => {
        const reason = cancelled() ?? ((await runExists(db, runId).catch(() => true)) ? undefined : 'deleted');
        if (reason && !stop.signal.aborted) stop.abort(reason);
      })();
    }, deps.pollMs ?? 250);
    let state: JobState;
    try {
      state = await cluster.k8s.runJob(
        created.namespace,
        created.name,
        podLabels,
        {
          container: APP_CONTAINER_NAME,
          timeoutMs: job.timeoutSeconds * 1000 + DEADLINE_SLACK_MS,
          signal: stop.signal,
        },
        (line) => log.push(line),
      );
    } catch (error) {
      if (stop.signal.aborted)
        return await finish({ status: 'cancelled', exitCode: null }, CANCELLED[stop.signal.reason as CancelReason]);
      if (error instanceof AppError && error.code === 'KUBERNETES_ROLLOUT_TIMEOUT')
        return await finish({ status: 'timed-out', exitCode: null }, timedOut(job));
      throw error;
    } finally {
      clearInterval(watch);
    }
    if (state.succeeded > 0) return await finish({ status: 'succeeded', exitCode: 0 }, null);
    if (state.failure?.startsWith('DeadlineExceeded'))
      return await finish({ status: 'timed-out', exitCode: null }, timedOut(job));
    const pod = (await cluster.k8s.listPods(created.namespace, podLabels).catch(() => []))[0];
    const exitCode = pod?.lastExitCode ?? null;
    const status: CronRunStatus = 'failed';
    return await finish({ status, exitCode }, exitCode === null ? (state.failure ?? 'The run failed.') : null);
  } catch (err) {
    logger.warn({ err, jobId: job.id, runId }, 'a cron run failed to run');
    const message = err instanceof Error ? err.message : String(err);
    return await finish({ status: 'failed', exitCode: null }, `Could not run: ${message}`);
  } finally {
    if (created) {
      const { namespace, name } = created;
      await cluster.k8s.deleteJob(namespace, name).catch((err: unknown) => {
        logger.warn({ err, runId }, 'could not delete the Job of a cron run');
      });
    }
  }
}

function timedOut(job: CronJob): string {
  return `Killed after its timeout of ${job.timeoutSeconds} s.`;
}
