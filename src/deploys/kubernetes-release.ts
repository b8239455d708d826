/**
 * The release command on the kubernetes scheduler: a Job (src/workloads/kubernetes-release-job.ts) of the
 * new image with the deployment's variables Secret, applied with the project's Namespace and that Secret
 * before the Deployment is touched. Its pod's log goes into the deployment log as it is written
 * (`release | ` lines, as on Docker); the deploy waits, bounded by BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS
 * (the Job's own activeDeadlineSeconds too), and fails in words when the command fails, so the old version
 * keeps serving untouched. The Job and its pod are deleted afterwards either way.
 */
import { AppError } from '../errors.js';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { APP_CONTAINER_NAME } from '../workloads/kubernetes-names.js';
import { releaseJobObject } from '../workloads/kubernetes-release-job.js';
import { appObjects, type KubernetesAppWorkload, type RolloutTiming } from '../workloads/kubernetes-spec.js';
import { splitCommand } from './command-line.js';
import type { RunContext } from './deploy-context.js';
import { DeployFailure } from './deploy-steps.js';
import { withPullSecret } from './kubernetes-registry.js';

export async function runReleaseJob(
  ctx: RunContext,
  k8s: KubernetesScheduler,
  workload: KubernetesAppWorkload,
  timing: RolloutTiming,
): Promise<void> {
  const command = ctx.service.releaseCommand;
  if (!command) return;
  const [namespaceObject, secret] = appObjects(workload, timing);
  const job = releaseJobObject(workload, splitCommand(command), Math.ceil(k8s.timeoutMs / 1000));
  const namespace = job.metadata.namespace ?? '';
  ctx.log.line(`Running the release command as Job ${namespace}/${job.metadata.name}: ${command}`);
  await k8s.apply(withPullSecret(ctx, workload.image, [namespaceObject, secret, job]));
  try {
    const state = await k8s
      .runJob(
        namespace,
        job.metadata.name,
        job.spec.template.metadata.labels,
        // A little past the Job's own deadline, so the cluster's word on it comes first.
        { container: APP_CONTAINER_NAME, timeoutMs: k8s.timeoutMs + 15_000, signal: ctx.signal },
        (line) => ctx.log.line(`release | ${line}`),
      )
      .catch((error: unknown) => {
        if (error instanceof AppError && !ctx.signal.aborted)
          throw new DeployFailure(`The release command did not run: ${error.message}`);
        throw error;
      });
    if (state.succeeded < 1) {
      const pod = (await k8s.listPods(namespace, job.spec.template.metadata.labels))[0];
      if (pod?.lastExitCode !== undefined)
        throw new DeployFailure(`The release command exited with code ${pod.lastExitCode}.`);
      throw new DeployFailure(`The release command failed${state.failure ? ` (${state.failure})` : ''}.`);
    }
    ctx.log.line('The release command succeeded.');
  } finally {
    await k8s.deleteJob(namespace, job.metadata.name).catch((error: unknown) => {
      ctx.log.line(`Could not delete the release Job yet: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
