/**
 * Live runtime logs on the kubernetes scheduler: every running pod of a deployment followed at once
 * (the API's log follow stream, client.ts), line by line, never collected. Pods are listed again every
 * second: a pod that starts later (a replaced one) is picked up, a container that restarted is followed
 * again from its start (a crash loop cannot spin faster than that), and a pod that leaves (its
 * deployment was replaced, the service deleted) ends its stream. The follow ends when the deployment has
 * no pod left or the signal aborts — the viewer went (runtime-logs.ts then moves on to a newer deployment).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesScheduler } from '../runtime/kubernetes/scheduler.js';
import { APP_CONTAINER_NAME } from '../workloads/kubernetes-names.js';
import { LABELS, isReleaseContainer } from '../workloads/labels.js';

const RELIST_MS = 1000;

export interface PodLogFollow {
  namespace: string;
  deploymentId: string;
  /** Lines from the end of each pod's log to start with; 0: only new lines. */
  tail: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

export async function followDeploymentPods(
  k8s: KubernetesScheduler,
  follow: PodLogFollow,
  onLine: (line: string, pod: string) => void,
): Promise<void> {
  const { namespace, signal } = follow;
  const following = new Map<string, Promise<void>>();
  /** Pods followed once: a second follow (after a restart) starts from then on, not at the tail again. */
  const seen = new Set<string>();
  let hasFailed: unknown;
  while (!signal?.aborted) {
    const pods = (await k8s.listPods(namespace, { [LABELS.deployment]: follow.deploymentId })).filter(
      (pod) => !isReleaseContainer(pod.labels) && !pod.isTerminating,
    );
    for (const pod of pods) {
      if (following.has(pod.name) || pod.phase !== 'Running' || pod.waitingReason !== undefined) continue;
      // Followed before: the container restarted, and everything it wrote since its start is new.
      const start = seen.has(pod.name) ? { sinceTime: pod.startedAt ?? new Date().toISOString() } : {};
      seen.add(pod.name);
      const request = {
        container: APP_CONTAINER_NAME,
        tailLines: follow.tail,
        timestamps: follow.timestamps,
        ...start,
      };
      const done = k8s
        .followLog(namespace, pod.name, request, (line) => onLine(line, pod.name), signal)
        .catch((error: unknown) => {
          // A pod gone or a container between two starts ends its stream; an unreachable API ends the follow.
          if (error instanceof Error && 'code' in error && error.code === 'KUBERNETES_UNAVAILABLE') hasFailed = error;
        })
        .finally(() => following.delete(pod.name));
      following.set(pod.name, done);
    }
    if (hasFailed !== undefined) throw hasFailed;
    if (pods.length === 0 && following.size === 0) return;
    await sleep(RELIST_MS, undefined, { signal }).catch(() => {});
  }
  await Promise.all(following.values());
}
