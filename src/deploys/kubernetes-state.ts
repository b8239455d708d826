/**
 * What an app on the cluster is doing right now, in the words service-state.ts uses on Docker: its active
 * deployment's pods that are ready against the replicas its Deployment wants, and a crash when one of its
 * pods is in a crash loop — the kubelet waits out CrashLoopBackOff, or the container restarted within the
 * last CRASH_LOOP_WINDOW_MS (as the engine's restart policy is read on Docker). A crash report carries the
 * pod's name as the replica, the exit code it last died with, its restart count, and the last lines of the
 * container that died (the previous instance's log; sanitised by the caller).
 */
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import type { PodSummary } from '../runtime/kubernetes/client.js';
import { APP_CONTAINER_NAME, appDeploymentName, projectNamespaceName } from '../workloads/kubernetes-names.js';
import { LABELS, isReleaseContainer, isWorkerContainer } from '../workloads/labels.js';

/** As on Docker (service-state.ts): a restart this recent means the crash loop goes on. */
const CRASH_LOOP_WINDOW_MS = 10_000;
const CRASH_LOG_LINES = 10;

export interface PlacedCrash {
  replica: string;
  exitCode: number | null;
  restartCount: number;
  lastLines: string[];
}

export interface PlacedState {
  /** Pods of the deployment that are ready. */
  running: number;
  /** Replicas the service's Deployment wants (0: it is gone). */
  total: number;
  crash: PlacedCrash | null;
}

export function isCrashLooping(pod: PodSummary, now = Date.now()): boolean {
  if (pod.waitingReason === 'CrashLoopBackOff' || pod.waitingReason === 'RunContainerError') return true;
  if (pod.restartCount === 0) return false;
  // Restarted: crashed while not running again, or while up only for a moment since.
  return pod.startedAt === undefined || now - Date.parse(pod.startedAt) < CRASH_LOOP_WINDOW_MS;
}

export async function readPlacedState(
  k8s: KubernetesScheduler,
  target: { projectId: string; serviceName: string; deploymentId: string },
): Promise<PlacedState> {
  const namespace = projectNamespaceName(target.projectId);
  const deployment = await k8s.readDeployment(namespace, appDeploymentName(target.serviceName));
  const pods = (await k8s.listPods(namespace, { [LABELS.deployment]: target.deploymentId }))
    // The web replicas only: worker pods carry the deployment's label too (kubernetes-worker-spec.ts).
    .filter((pod) => !isReleaseContainer(pod.labels) && !isWorkerContainer(pod.labels) && !pod.isTerminating)
    .sort((a, b) => a.name.localeCompare(b.name));
  const state: PlacedState = {
    running: pods.filter((pod) => pod.isReady).length,
    total: deployment?.replicas ?? 0,
    crash: null,
  };
  const crashed = pods.find((pod) => isCrashLooping(pod));
  if (crashed) {
    state.crash = {
      replica: crashed.name,
      exitCode: crashed.lastExitCode ?? null,
      restartCount: crashed.restartCount,
      lastLines: await lastLines(k8s, namespace, crashed),
    };
  }
  return state;
}

async function lastLines(k8s: KubernetesScheduler, namespace: string, pod: PodSummary): Promise<string[]> {
  const request = { container: APP_CONTAINER_NAME, tailLines: CRASH_LOG_LINES };
  const text = await k8s
    .podLog(namespace, pod.name, { ...request, previous: pod.restartCount > 0 })
    .catch(() => k8s.podLog(namespace, pod.name, request))
    .catch(() => '');
  return text.split('\n').filter((line) => line !== '');
}
