/**
 * What the Kubernetes client (client.ts) offers the scheduler: plain inputs and outputs, no type of
 * @kubernetes/client-node, so the rest of Berth never depends on the library's shapes.
 */
import type { KubeObject } from './objects.js';

export interface DeploymentState {
  generation: number;
  replicas: number;
  observedGeneration: number;
  /** Pods of the current template (ready or not). */
  updatedReplicas: number;
  /** Pods of every template, terminating ones excluded. */
  statusReplicas: number;
  /** Ready for at least minReadySeconds. */
  availableReplicas: number;
  /** The Progressing condition's reason, e.g. ProgressDeadlineExceeded. */
  progressingReason: string | undefined;
}

export interface EndpointAddress {
  ip: string;
  port: number;
  podName: string | undefined;
}

export interface PodSummary {
  name: string;
  phase: string;
  labels: Record<string, string>;
  isReady: boolean;
  isTerminating: boolean;
  /** The first container's restarts, why it waits (e.g. CrashLoopBackOff) and how it last ended. */
  restartCount: number;
  waitingReason: string | undefined;
  lastExitCode: number | undefined;
  /** When the running container started (absent while it is not running). */
  startedAt: string | undefined;
}

/** A Job's progress: done when it succeeded or failed (with the Failed condition's reason and message). */
export interface JobState {
  active: number;
  succeeded: number;
  failed: number;
  failure: string | undefined;
}

/**
 * Where a followed log starts: all of it, its last lines (tailLines; 0: only what is written from now on),
 * or what was written since a time (RFC 3339; a restarted container's start).
 */
export interface FollowRequest {
  container: string;
  tailLines?: number;
  sinceTime?: string;
  timestamps?: boolean;
}

export interface LogRequest {
  container: string;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  previous?: boolean;
}

export interface DeploymentSummary {
  name: string;
  labels: Record<string, string>;
  replicas: number;
}

/** A node and whether its Ready condition is True (with the condition's reason when it is not). */
export interface NodeSummary {
  name: string;
  isReady: boolean;
  reason: string | undefined;
}

export interface StorageClassSummary {
  name: string;
  provisioner: string;
  /** Annotated storageclass.kubernetes.io/is-default-class: claims without a class get this one. */
  isDefault: boolean;
}

/** One thing Berth needs to be allowed to do, as a SelfSubjectAccessReview asks it (cluster-wide). */
export interface AccessQuestion {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
}

export interface KubernetesClient {
  /** The API server's version, e.g. v1.20.2 (also the reachability check). */
  version(): Promise<string>;
  apply(object: KubeObject): Promise<void>;
  readDeployment(namespace: string, name: string): Promise<DeploymentState | undefined>;
  /** The ready addresses of a Service's endpoints on the named port. */
  readyEndpoints(namespace: string, service: string, portName: string): Promise<EndpointAddress[] | undefined>;
  listPods(namespace: string, labelSelector: string): Promise<PodSummary[]>;
  podLog(namespace: string, pod: string, request: LogRequest): Promise<string>;
  /**
   * Follows one container's log, line by line (no line collected beyond MAX_LOG_LINE_BYTES), until the
   * container stops, the pod goes, or the signal aborts; resolves then.
   */
  followPodLog(
    namespace: string,
    pod: string,
    request: FollowRequest,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  readJob(namespace: string, name: string): Promise<JobState | undefined>;
  /** Deletes a Job and its pods; a missing one is fine. */
  deleteJob(namespace: string, name: string): Promise<void>;
  /** Deletes one Secret by name; a missing one is fine. */
  deleteSecret(namespace: string, name: string): Promise<void>;
  /** The names of the Secrets the labels select. */
  listSecretNames(namespace: string, labelSelector: string): Promise<string[]>;
  /** Whether the namespace exists (a deleted one exists until its contents are gone). */
  hasNamespace(name: string): Promise<boolean>;
  /** Deletes the StatefulSets, Deployments, ReplicaSets and pods of a namespace (pods with their grace period). */
  deleteAppWorkloads(namespace: string): Promise<void>;
  /**
   * Deletes one app's Deployment and Service (by name) and its Secrets and other Deployments (its workers)
   * by label; missing ones are fine.
   */
  deleteApp(namespace: string, name: string, secretSelector: string): Promise<void>;
  /** The Deployments the labels select: name, labels and wanted replicas. */
  listDeployments(namespace: string, labelSelector: string): Promise<DeploymentSummary[]>;
  /** Deletes one Deployment (and its pods, in the background); a missing one is fine. */
  deleteDeployment(namespace: string, name: string): Promise<void>;
  /** Sets a Deployment's replica count through its scale subresource; false when there is no such Deployment. */
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<boolean>;
  /** Deletes the Jobs the labels select in every namespace (with their pods); returns how many. */
  deleteJobsByLabel(labelSelector: string): Promise<number>;
  /** Starts deleting a namespace and everything in it; false when there was none. */
  deleteNamespace(name: string): Promise<boolean>;
  listNodes(): Promise<NodeSummary[]>;
  listStorageClasses(): Promise<StorageClassSummary[]>;
  /** Whether these credentials may do it (the API's own authorizer answers, nothing is tried). */
  canI(question: AccessQuestion): Promise<boolean>;
}
