/**
 * The worker processes of an app on the cluster (Procfile types beyond `web`, as worker-spec.ts makes
 * them containers on Docker): one Deployment per process type, of the release's image, with the
 * deployment's variables Secret, the type's command (the image's CMD replaced, its ENTRYPOINT kept, as on
 * Docker), the worker's chosen replica count, no port, no Service and no readiness probe (a worker is never
 * routed: "ready" means its container runs). Pure; compared by exact equality
 * (test/unit/workload-kubernetes-worker-spec.test.ts).
 *
 * - The Deployment carries the service's labels plus `berth.role=worker` and `berth.process` (Berth lists
 *   and deletes a service's workers by them); its pods carry the deployment's labels WITHOUT
 *   `berth.service` — `berth.worker-of` instead — because the web Deployment and Service select by
 *   `berth.service`, and a worker pod must never be adopted by the web Deployment or routed by its Service.
 *   `berth.deployment` stays on the pods, so the runtime log API reads the workers' lines with the web's.
 * - A rollout is the deploy's "stays up" check: minReadySeconds is the stabilisation window (a container
 *   that exits within it never becomes available) and a short progress deadline ends a crash-looping
 *   rollout, so a worker that does not start fails the deploy and the previous template keeps running.
 */
import type { ContainerObject, DeploymentObject } from '../runtime/kubernetes/objects.js';
import { APP_CONTAINER_NAME, MANAGED_BY, deploymentSecretName, projectNamespaceName } from './kubernetes-names.js';
import {
  MANAGED_BY_LABEL,
  containerResources,
  type KubernetesAppWorkload,
  type RolloutTiming,
} from './kubernetes-spec.js';
import { LABELS, ROLES, projectLabels, serviceLabels, type Labels } from './labels.js';

/** What a worker Deployment needs of the release (no port, health check or web replica count). */
export type KubernetesWorkerWorkload = Pick<
  KubernetesAppWorkload,
  'project' | 'service' | 'deploymentId' | 'image' | 'imagePullPolicy' | 'pullSecretName'
>;

/** One process type of the release: its name, its argv (checked: worker-set.ts processArgv) and replicas. */
export interface WorkerProcess {
  type: string;
  argv: string[];
  replicas: number;
}

/** How long a stopping worker gets after SIGTERM, as the engine's stop timeout on Docker. */
export const WORKER_STOP_SECONDS = 10;
/** Scheduling and container start on top of the stabilisation window, before a worker rollout stalls. */
export const WORKER_START_SLACK_SECONDS = 30;
const REVISION_HISTORY = 3;

/**
 * `<service>--<type>` (a `_` of the type becomes `-`): service names never contain `--`
 * (src/projects/names.ts), so a worker Deployment's name is never another service's.
 */
export function workerDeploymentName(serviceName: string, processType: string): string {
  return `${serviceName}--${processType.replace(/_/g, '-')}`;
}

/** The pods of one process type of a service (the Deployment's selector; immutable, so no deployment id). */
export function workerPodSelector(serviceId: string, processType: string): Labels {
  return { [LABELS.workerOf]: serviceId, [LABELS.process]: processType };
}

/** Every worker pod of a service, of every release and type. */
export function servicePodsOfWorkers(serviceId: string): Labels {
  return { [LABELS.workerOf]: serviceId };
}

/** Every worker Deployment of a service (by the Deployments' own labels). */
export function workerDeploymentSelector(serviceId: string): Labels {
  return { [LABELS.service]: serviceId, [LABELS.role]: ROLES.worker };
}

export function workerDeploymentObject(
  workload: KubernetesWorkerWorkload,
  process: WorkerProcess,
  timing: Pick<RolloutTiming, 'minReadySeconds'>,
): DeploymentObject {
  const { project, service, deploymentId } = workload;
  const worker = { [LABELS.role]: ROLES.worker, [LABELS.process]: process.type };
  const container: ContainerObject = {
    name: APP_CONTAINER_NAME,
    image: workload.image,
    imagePullPolicy: workload.imagePullPolicy,
    args: process.argv,
    ports: [],
    env: [],
    envFrom: [{ secretRef: { name: deploymentSecretName(service.name, deploymentId) } }],
    resources: containerResources(service.resources),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: workerDeploymentName(service.name, process.type),
      namespace: projectNamespaceName(project.id),
      labels: {
        ...serviceLabels({ projectId: project.id, serviceId: service.id }),
        ...worker,
        [MANAGED_BY_LABEL]: MANAGED_BY,
      },
    },
    spec: {
      replicas: process.replicas,
      selector: { matchLabels: workerPodSelector(service.id, process.type) },
      minReadySeconds: timing.minReadySeconds,
      progressDeadlineSeconds: timing.minReadySeconds + WORKER_START_SLACK_SECONDS,
      revisionHistoryLimit: REVISION_HISTORY,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: {
            ...projectLabels(project.id),
            [LABELS.deployment]: deploymentId,
            ...worker,
            [LABELS.workerOf]: service.id,
            [MANAGED_BY_LABEL]: MANAGED_BY,
          },
        },
        spec: {
          containers: [container],
          ...(workload.pullSecretName ? { imagePullSecrets: [{ name: workload.pullSecretName }] } : {}),
          terminationGracePeriodSeconds: WORKER_STOP_SECONDS,
          enableServiceLinks: false,
          automountServiceAccountToken: false,
        },
      },
    },
  };
}

/** The Deployments of a release's worker processes, in the order of the types given. */
export function workerDeploymentObjects(
  workload: KubernetesWorkerWorkload,
  processes: readonly WorkerProcess[],
  timing: Pick<RolloutTiming, 'minReadySeconds'>,
): DeploymentObject[] {
  return processes.map((process) => workerDeploymentObject(workload, process, timing));
}
