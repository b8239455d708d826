/**
 * One cron run on the cluster as a Kubernetes Job (pure; exact-equality tests in
 * test/unit/workload-kubernetes-worker-spec.test.ts). Berth's own scheduler stays the clock (src/cron): each
 * run is one Job of the service's active release — its image and its variables Secret — running the job's
 * command (the image's CMD replaced, as the run container on Docker: cron-spec.ts cronArgv), never retried
 * (`backoffLimit: 0`, `restartPolicy: Never`: Berth's own retries make a new run), stopped by the cluster
 * after the job's timeout (`activeDeadlineSeconds`), and deleted by the cluster a while after it finished
 * (`ttlSecondsAfterFinished`, where the cluster has that feature; Berth deletes it itself right away).
 * Its pod carries the job and run labels but not `berth.service` (the web Deployment and Service select
 * by it) and not `berth.deployment` (the runtime log API reads the replicas' logs by it).
 */
import type { JobObject } from '../runtime/kubernetes/objects.js';
import { cronArgv, type CronCommand } from './cron-spec.js';
import { APP_CONTAINER_NAME, MANAGED_BY, deploymentSecretName, projectNamespaceName } from './kubernetes-names.js';
import { MANAGED_BY_LABEL, containerResources, type KubernetesAppWorkload } from './kubernetes-spec.js';
import { LABELS, ROLES, projectLabels, serviceLabels } from './labels.js';

export interface KubernetesCronRun extends Pick<
  KubernetesAppWorkload,
  'project' | 'deploymentId' | 'image' | 'imagePullPolicy' | 'pullSecretName'
> {
  service: Pick<KubernetesAppWorkload['service'], 'id' | 'name' | 'resources'>;
  jobId: string;
  runId: string;
  command: CronCommand;
  timeoutSeconds: number;
}

/** A finished run's Job is the cluster's to delete after this long, should Berth not get to it. */
export const CRON_JOB_TTL_SECONDS = 300;

/** `cron-<run id without its prefix>`: unique in the namespace and short (a Job's name is a label value). */
export function cronJobName(runId: string): string {
  return `cron-${runId.slice(4)}`;
}

export function cronJobObject(run: KubernetesCronRun): JobObject {
  const { project, service } = run;
  const cron = { [LABELS.role]: ROLES.cron, [LABELS.cronJob]: run.jobId, [LABELS.cronRun]: run.runId };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: cronJobName(run.runId),
      namespace: projectNamespaceName(project.id),
      labels: {
        ...serviceLabels({ projectId: project.id, serviceId: service.id }),
        ...cron,
        [MANAGED_BY_LABEL]: MANAGED_BY,
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: run.timeoutSeconds,
      ttlSecondsAfterFinished: CRON_JOB_TTL_SECONDS,
      template: {
        metadata: { labels: { ...projectLabels(project.id), ...cron, [MANAGED_BY_LABEL]: MANAGED_BY } },
        spec: {
          containers: [
            {
              name: APP_CONTAINER_NAME,
              image: run.image,
              imagePullPolicy: run.imagePullPolicy,
              args: cronArgv(run.command),
              env: [],
              envFrom: [{ secretRef: { name: deploymentSecretName(service.name, run.deploymentId) } }],
              resources: containerResources(service.resources),
            },
          ],
          ...(run.pullSecretName ? { imagePullSecrets: [{ name: run.pullSecretName }] } : {}),
          restartPolicy: 'Never',
          enableServiceLinks: false,
          automountServiceAccountToken: false,
        },
      },
    },
  };
}
