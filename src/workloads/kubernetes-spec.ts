/**
 * The Kubernetes objects of an app service, given inputs → exactly these objects (pure; the equality tests
 * are test/unit/workload-kubernetes-specs.test.ts): the project's Namespace, a Secret of the deployment's
 * variables, a Deployment and a Service. The Kubernetes scheduler (src/runtime/kubernetes) applies them.
 *
 * Berth's deploy promises map onto the Deployment like this:
 * - health-gated switch: a readiness probe from the service's health check; a pod gets traffic only when ready;
 * - never fewer ready pods than wanted: rolling update with maxUnavailable 0 and maxSurge 1;
 * - stabilisation window: minReadySeconds (a new pod must stay ready that long before it counts);
 * - drain: a preStop pause keeps a leaving pod serving while proxies drop it from their endpoints, then
 *   SIGTERM and the drain timeout (terminationGracePeriodSeconds = pause + drain).
 */
import type {
  ContainerObject,
  DeploymentObject,
  NamespaceObject,
  Probe,
  ProbeAction,
  SecretObject,
  ServiceObject,
} from '../runtime/kubernetes/objects.js';
import type { AppWorkload, WorkloadProject } from './app-spec.js';
import {
  APP_CONTAINER_NAME,
  APP_PORT_NAME,
  MANAGED_BY,
  appDeploymentName,
  appServiceName,
  deploymentSecretName,
  projectNamespaceName,
} from './kubernetes-names.js';
import { LABELS, deploymentLabels, projectLabels, serviceLabels, serviceSelector, type Labels } from './labels.js';

/** The recommended label that says who manages an object (kubectl and dashboards show it). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** The service's health check, as in src/projects/service.types.ts (structurally). */
export type WorkloadHealthCheck =
  | { type: 'http'; path: string; expectedStatus: number; timeoutSeconds: number }
  | { type: 'tcp'; timeoutSeconds: number };

export interface KubernetesAppWorkload extends AppWorkload {
  replicas: number;
  /** The port the app listens on (PORT in its environment), as on Docker. */
  port: number;
  healthcheck: WorkloadHealthCheck;
  /** `Never` for an image the node's own engine built (single node, no registry). */
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** The Secret with the registry's credentials (kubernetes-pull-secret.ts), for a registry image. */
  pullSecretName?: string;
}

/** The deploy timings of src/config.ts, in whole seconds as the API wants them. */
export interface RolloutTiming {
  /** BERTH_STABILISATION_SECONDS. */
  minReadySeconds: number;
  /** How long a leaving pod keeps serving before SIGTERM, while proxies drop it from their endpoints. */
  preStopSeconds: number;
  /** BERTH_DRAIN_TIMEOUT_SECONDS: in-flight requests may finish this long after SIGTERM. */
  drainSeconds: number;
}

/** Long enough for the endpoints controller and Berth's proxy to drop a leaving pod before it stops. */
export const PRE_STOP_SECONDS = 5;

/** The timings of a rollout from Berth's deploy settings (milliseconds → whole seconds, rounded up). */
export function rolloutTimingOf(config: { stabilisationMs: number; drainTimeoutMs: number }): RolloutTiming {
  return {
    minReadySeconds: Math.ceil(config.stabilisationMs / 1000),
    preStopSeconds: PRE_STOP_SECONDS,
    drainSeconds: Math.ceil(config.drainTimeoutMs / 1000),
  };
}

/** Kubernetes counts 200-399 as a passing HTTP probe; other expected statuses are checked by Berth only. */
const PROBE_HTTP_OK = [200, 399] as const;
/** Scheduling and container start, on top of the health check's own time limit, before a rollout stalls. */
const STARTUP_SLACK_SECONDS = 10;
/** Previous ReplicaSets kept for `kubectl rollout undo` and Berth's rollback. */
const REVISION_HISTORY = 3;

function withManagedBy(labels: Labels): Labels {
  return { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY };
}

export function namespaceObject(project: Pick<WorkloadProject, 'id'>): NamespaceObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: projectNamespaceName(project.id), labels: withManagedBy(projectLabels(project.id)) },
  };
}

function workloadDeploymentLabels(workload: AppWorkload): Labels {
  return deploymentLabels({
    projectId: workload.project.id,
    serviceId: workload.service.id,
    deploymentId: workload.deploymentId,
  });
}

/** The deployment's variables, without PORT (the Deployment sets it, as Berth does on Docker). */
export function deploymentSecretObject(workload: AppWorkload): SecretObject {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(workload.env)) {
    if (key !== 'PORT') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: deploymentSecretName(workload.service.name, workload.deploymentId),
      namespace: projectNamespaceName(workload.project.id),
      labels: withManagedBy(workloadDeploymentLabels(workload)),
    },
    type: 'Opaque',
    immutable: true,
    data,
  };
}

function probeAction(check: WorkloadHealthCheck): ProbeAction {
  if (check.type === 'http' && check.expectedStatus >= PROBE_HTTP_OK[0] && check.expectedStatus <= PROBE_HTTP_OK[1])
    return { httpGet: { path: check.path, port: APP_PORT_NAME, scheme: 'HTTP' } };
  return { tcpSocket: { port: APP_PORT_NAME } };
}

/** Checked every second, as Berth's own health check retries quickly; three misses take a pod out. */
export function readinessProbe(check: WorkloadHealthCheck): Probe {
  return {
    ...probeAction(check),
    initialDelaySeconds: 0,
    periodSeconds: 1,
    timeoutSeconds: 2,
    successThreshold: 1,
    failureThreshold: 3,
  };
}

/** Limits as requests too (the pod gets what it is capped at); none set: no resources block entries. */
export function containerResources(resources: AppWorkload['service']['resources']): ContainerObject['resources'] {
  const list: { cpu?: string; memory?: string } = {};
  if (resources.cpus) list.cpu = `${Math.round(resources.cpus * 1000)}m`;
  if (resources.memoryMb) list.memory = `${resources.memoryMb}Mi`;
  return Object.keys(list).length === 0 ? {} : { limits: list, requests: { ...list } };
}

export function appDeploymentObject(workload: KubernetesAppWorkload, timing: RolloutTiming): DeploymentObject {
  const { project, service } = workload;
  const container: ContainerObject = {
    name: APP_CONTAINER_NAME,
    image: workload.image,
    imagePullPolicy: workload.imagePullPolicy,
    ...(workload.cmd ? { args: workload.cmd } : {}),
    ports: [{ name: APP_PORT_NAME, containerPort: workload.port, protocol: 'TCP' }],
    env: [{ name: 'PORT', value: String(workload.port) }],
    envFrom: [{ secretRef: { name: deploymentSecretName(service.name, workload.deploymentId) } }],
    resources: containerResources(service.resources),
    readinessProbe: readinessProbe(workload.healthcheck),
    lifecycle: { preStop: { exec: { command: ['sleep', String(timing.preStopSeconds)] } } },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: appDeploymentName(service.name),
      namespace: projectNamespaceName(project.id),
      labels: withManagedBy(serviceLabels({ projectId: project.id, serviceId: service.id })),
    },
    spec: {
      replicas: workload.replicas,
      selector: { matchLabels: serviceSelector(service.id) },
      minReadySeconds: timing.minReadySeconds,
      progressDeadlineSeconds: workload.healthcheck.timeoutSeconds + timing.minReadySeconds + STARTUP_SLACK_SECONDS,
      revisionHistoryLimit: REVISION_HISTORY,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: withManagedBy({ ...workloadDeploymentLabels(workload), [LABELS.port]: String(workload.port) }),
        },
        spec: {
          containers: [container],
          ...(workload.pullSecretName ? { imagePullSecrets: [{ name: workload.pullSecretName }] } : {}),
          terminationGracePeriodSeconds: timing.preStopSeconds + timing.drainSeconds,
          // No <SERVICE>_PORT variables from the namespace's Services: the app sees exactly its own variables.
          enableServiceLinks: false,
          // Apps get no credentials for the cluster's API.
          automountServiceAccountToken: false,
        },
      },
    },
  };
}

/** In-namespace address `<service>:<port>` for siblings; Berth's proxy routes to its ready endpoints. */
export function appServiceObject(workload: KubernetesAppWorkload): ServiceObject {
  const { project, service } = workload;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: appServiceName(service.name),
      namespace: projectNamespaceName(project.id),
      labels: withManagedBy(serviceLabels({ projectId: project.id, serviceId: service.id })),
    },
    spec: {
      type: 'ClusterIP',
      selector: serviceSelector(service.id),
      ports: [{ name: APP_PORT_NAME, port: workload.port, targetPort: APP_PORT_NAME, protocol: 'TCP' }],
    },
  };
}

/** Everything one deploy of an app applies, in the order the API needs it (namespace first). */
export function appObjects(
  workload: KubernetesAppWorkload,
  timing: RolloutTiming,
): [NamespaceObject, SecretObject, DeploymentObject, ServiceObject] {
  return [
    namespaceObject(workload.project),
    deploymentSecretObject(workload),
    appDeploymentObject(workload, timing),
    appServiceObject(workload),
  ];
}
