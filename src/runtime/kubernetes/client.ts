/**
 * The only importer of @kubernetes/client-node. It loads the credentials (a kubeconfig file, the service
 * account's in-cluster credentials, or the usual KUBECONFIG / ~/.kube/config lookup) and offers the few
 * calls the scheduler makes, with plain inputs and outputs. Every failure leaves here as an AppError:
 * KUBERNETES_UNAVAILABLE when the API cannot be reached or refuses the credentials, KUBERNETES_ERROR when
 * it answers with an error; a missing object is `undefined`, not an error.
 */
import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  Log,
  PatchStrategy,
  StorageV1Api,
  VersionApi,
} from '@kubernetes/client-node';
import { AppError } from '../../errors.js';
import { followLines } from './line-stream.js';
import type { KubernetesClient } from './client-types.js';

/** Who Berth is to server-side apply: the owner of every field it sets. */
export const FIELD_MANAGER = 'berth';

export type {
  AccessQuestion,
  DeploymentState,
  DeploymentSummary,
  EndpointAddress,
  FollowRequest,
  JobState,
  KubernetesClient,
  LogRequest,
  NodeSummary,
  PodSummary,
  StorageClassSummary,
} from './client-types.js';

const DEFAULT_CLASS_ANNOTATIONS = [
  'storageclass.kubernetes.io/is-default-class',
  'storageclass.beta.kubernetes.io/is-default-class',
];

/** Loads credentials: a file, else in-cluster when KUBERNETES_SERVICE_HOST is set, else the default lookup. */
export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
  } catch (error) {
    throw new AppError('KUBERNETES_UNAVAILABLE', `Kubernetes credentials could not be read: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (!kc.getCurrentCluster())
    throw new AppError(
      'KUBERNETES_UNAVAILABLE',
      `Kubernetes credentials name no cluster${kubeconfigPath ? ` (${kubeconfigPath})` : ''}`,
    );
  return kc;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The API's own message from a Status body, else the HTTP code. */
function apiMessage(error: ApiException<unknown>): string {
  const body: unknown = error.body;
  try {
    const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string')
      return parsed.message;
  } catch {
    /* not JSON: fall through */
  }
  return `HTTP ${error.code}`;
}

function toAppError(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ApiException) {
    if (error.code === 401)
      return new AppError('KUBERNETES_UNAVAILABLE', `Kubernetes refused Berth's credentials (${action})`, {
        cause: error,
      });
    return new AppError('KUBERNETES_ERROR', `Kubernetes could not ${action}: ${apiMessage(error)}`, {
      cause: error,
    });
  }
  // The cluster answered, but serves no such kind (e.g. a resource its version does not have).
  if (error instanceof Error && error.message.startsWith('Unrecognized API version and kind'))
    return new AppError('KUBERNETES_ERROR', `Kubernetes could not ${action}: ${error.message}`, { cause: error });
  return new AppError('KUBERNETES_UNAVAILABLE', `Kubernetes is unavailable (${action}): ${messageOf(error)}`, {
    cause: error,
  });
}

const isNotFound = (error: unknown) => error instanceof ApiException && error.code === 404;

export async function call<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toAppError(error, action);
  }
}

export async function callOrMissing<T>(action: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw toAppError(error, action);
  }
}

export function createKubernetesClient(kubeconfigPath: string | undefined): KubernetesClient {
  const kc = loadKubeConfig(kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const versions = kc.makeApiClient(VersionApi);
  const storage = kc.makeApiClient(StorageV1Api);
  const authorization = kc.makeApiClient(AuthorizationV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const logs = new Log(kc);

  return {
    version: () => call('read its version', async () => (await versions.getCode()).gitVersion),

    apply: (object) =>
      call(`apply ${object.kind} ${object.metadata.name}`, async () => {
        await objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      }),

    readDeployment: (namespace, name) =>
      callOrMissing(`read deployment ${name}`, async () => {
        const d = await apps.readNamespacedDeployment({ namespace, name });
        const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
        return {
          generation: d.metadata?.generation ?? 0,
          replicas: d.spec?.replicas ?? 1,
          observedGeneration: d.status?.observedGeneration ?? 0,
          updatedReplicas: d.status?.updatedReplicas ?? 0,
          statusReplicas: d.status?.replicas ?? 0,
          availableReplicas: d.status?.availableReplicas ?? 0,
          progressingReason: progressing?.reason,
        };
      }),

    readyEndpoints: (namespace, service, portName) =>
      callOrMissing(`read the endpoints of ${service}`, async () => {
        const endpoints = await core.readNamespacedEndpoints({ namespace, name: service });
        return (endpoints.subsets ?? []).flatMap((subset) => {
          const port = subset.ports?.find((p) => p.name === portName)?.port;
          if (port === undefined) return [];
          return (subset.addresses ?? []).map((a) => ({ ip: a.ip, port, podName: a.targetRef?.name }));
        });
      }),

    listPods: (namespace, labelSelector) =>
      call('list pods', async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector });
        return list.items.map((pod) => ({
          name: pod.metadata?.name ?? '',
          phase: pod.status?.phase ?? 'Unknown',
          labels: pod.metadata?.labels ?? {},
          isReady: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
          isTerminating: pod.metadata?.deletionTimestamp !== undefined,
          restartCount: pod.status?.containerStatuses?.[0]?.restartCount ?? 0,
          waitingReason: pod.status?.containerStatuses?.[0]?.state?.waiting?.reason,
          lastExitCode:
            pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ??
            pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode,
          startedAt: pod.status?.containerStatuses?.[0]?.state?.running?.startedAt?.toISOString(),
        }));
      }),

    podLog: (namespace, pod, request) =>
      call(`read the log of pod ${pod}`, () =>
        core.readNamespacedPodLog({
          namespace,
          name: pod,
          container: request.container,
          tailLines: request.tailLines,
          sinceSeconds: request.sinceSeconds,
          timestamps: request.timestamps,
          previous: request.previous,
        }),
      ),

    followPodLog: (namespace, pod, request, onLine, signal) =>
      call(`follow the log of pod ${pod}`, () =>
        followLines(
          (sink) =>
            logs.log(namespace, pod, request.container, sink, {
              follow: true,
              timestamps: request.timestamps,
              // The API reads tailLines 0 as "no limit": only new lines are asked for, by a start time of now.
              ...(request.sinceTime !== undefined
                ? { sinceTime: request.sinceTime }
                : request.tailLines === 0
                  ? { sinceTime: new Date().toISOString() }
                  : { tailLines: request.tailLines }),
            }),
          onLine,
          signal,
        ),
      ),

    readJob: (namespace, name) =>
      callOrMissing(`read job ${name}`, async () => {
        const job = await batch.readNamespacedJob({ namespace, name });
        const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
        return {
          active: job.status?.active ?? 0,
          succeeded: job.status?.succeeded ?? 0,
          failed: job.status?.failed ?? 0,
          failure: failed ? [failed.reason, failed.message].filter(Boolean).join(': ') : undefined,
        };
      }),

    deleteJob: (namespace, name) =>
      call(`delete job ${name}`, async () => {
        await callOrMissing('', () => batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }));
      }),

    deleteSecret: (namespace, name) =>
      call(`delete secret ${name}`, async () => {
        await callOrMissing('', () => core.deleteNamespacedSecret({ namespace, name }));
      }),

    listSecretNames: (namespace, labelSelector) =>
      call('list secrets', async () =>
        (await core.listNamespacedSecret({ namespace, labelSelector })).items.map((s) => s.metadata?.name ?? ''),
      ),

    hasNamespace: async (name) =>
      (await callOrMissing(`read namespace ${name}`, () => core.readNamespace({ name }))) !== undefined,

    deleteAppWorkloads: (namespace) =>
      call(`delete the workloads of namespace ${namespace}`, async () => {
        // Databases' StatefulSets too: left in place they would start their pods again.
        await apps.deleteCollectionNamespacedStatefulSet({ namespace, propagationPolicy: 'Background' });
        await apps.deleteCollectionNamespacedDeployment({ namespace, propagationPolicy: 'Background' });
        await apps.deleteCollectionNamespacedReplicaSet({ namespace, propagationPolicy: 'Background' });
        await core.deleteCollectionNamespacedPod({ namespace });
      }),

    deleteApp: (namespace, name, secretSelector) =>
      call(`delete app ${name}`, async () => {
        const propagationPolicy = 'Background';
        await callOrMissing('', () => apps.deleteNamespacedDeployment({ namespace, name, propagationPolicy }));
        await callOrMissing('', () => core.deleteNamespacedService({ namespace, name }));
        await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: secretSelector });
        // Its worker processes' Deployments (kubernetes-worker-spec.ts) carry the service's labels too.
        await apps.deleteCollectionNamespacedDeployment({
          namespace,
          labelSelector: secretSelector,
          propagationPolicy,
        });
      }),

    listDeployments: (namespace, labelSelector) =>
      call('list deployments', async () =>
        (await apps.listNamespacedDeployment({ namespace, labelSelector })).items.map((d) => ({
          name: d.metadata?.name ?? '',
          labels: d.metadata?.labels ?? {},
          replicas: d.spec?.replicas ?? 1,
        })),
      ),

    deleteDeployment: (namespace, name) =>
      call(`delete deployment ${name}`, async () => {
        await callOrMissing('', () =>
          apps.deleteNamespacedDeployment({ namespace, name, propagationPolicy: 'Background' }),
        );
      }),

    scaleDeployment: async (namespace, name, replicas) =>
      (await callOrMissing(`scale deployment ${name}`, () =>
        apps.replaceNamespacedDeploymentScale({
          namespace,
          name,
          fieldManager: FIELD_MANAGER,
          body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace }, spec: { replicas } },
        }),
      )) !== undefined,

    deleteJobsByLabel: (labelSelector) =>
      call('delete jobs', async () => {
        const jobs = (await batch.listJobForAllNamespaces({ labelSelector })).items;
        for (const job of jobs) {
          const { name, namespace } = job.metadata ?? {};
          if (!name || !namespace) continue;
          await callOrMissing('', () =>
            batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }),
          );
        }
        return jobs.length;
      }),

    deleteNamespace: async (name) =>
      (await callOrMissing(`delete namespace ${name}`, () => core.deleteNamespace({ name }))) !== undefined,

    listNodes: () =>
      call('list nodes', async () =>
        (await core.listNode()).items.map((node) => {
          const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
          return { name: node.metadata?.name ?? '', isReady: ready?.status === 'True', reason: ready?.reason };
        }),
      ),

    listStorageClasses: () =>
      call('list storage classes', async () =>
        (await storage.listStorageClass()).items.map((sc) => ({
          name: sc.metadata?.name ?? '',
          provisioner: sc.provisioner,
          isDefault: DEFAULT_CLASS_ANNOTATIONS.some((key) => sc.metadata?.annotations?.[key] === 'true'),
        })),
      ),

    canI: (question) =>
      call(`check the permission to ${question.verb} ${question.resource}`, async () => {
        const review = await authorization.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { ...question } },
          },
        });
        return review.status?.allowed === true;
      }),
  };
}
