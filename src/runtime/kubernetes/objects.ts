/**
 * The shapes of the Kubernetes objects Berth makes, as plain data: the workload builders
 * (src/workloads/kubernetes-spec.ts) produce them, the scheduler applies them as they are. Only the
 * fields Berth sets are typed; the API server fills in the rest. No import of the client library here.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Any object the scheduler can apply: apiVersion, kind and metadata are all server-side apply needs. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface NamespaceObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Namespace';
}

export interface SecretObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Secret';
  /** Opaque: variables; dockerconfigjson: the credentials the kubelet pulls registry images with. */
  type: 'Opaque' | 'kubernetes.io/dockerconfigjson';
  /** Whether the API server refuses later changes to the data (a deployment's variables never change). */
  immutable: boolean;
  /** Values base64-encoded, as the API stores them. */
  data: Record<string, string>;
}

export interface HttpGetProbe {
  httpGet: { path: string; port: string; scheme: 'HTTP' };
}
export interface TcpSocketProbe {
  tcpSocket: { port: string };
}
export type ProbeAction = HttpGetProbe | TcpSocketProbe;
export type Probe = ProbeAction & {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
};

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface ContainerObject {
  name: string;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Replaces the image's CMD (a berth.json `start`); the ENTRYPOINT stays, as with Docker. */
  args?: string[];
  ports: { name: string; containerPort: number; protocol: 'TCP' }[];
  env: { name: string; value: string }[];
  envFrom: { secretRef: { name: string } }[];
  resources: { limits?: ResourceList; requests?: ResourceList };
  /** Absent on a worker process's container (never routed: it has no port to probe). */
  readinessProbe?: Probe;
  lifecycle?: { preStop: { exec: { command: string[] } } };
}

export interface DeploymentObject extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    minReadySeconds: number;
    progressDeadlineSeconds: number;
    revisionHistoryLimit: number;
    strategy: { type: 'RollingUpdate'; rollingUpdate: { maxUnavailable: number; maxSurge: number } };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: ContainerObject[];
        /** Set when the image is in a registry that wants credentials (kubernetes-pull-secret.ts). */
        imagePullSecrets?: { name: string }[];
        terminationGracePeriodSeconds: number;
        enableServiceLinks: boolean;
        automountServiceAccountToken: boolean;
      };
    };
  };
}

export interface ServiceObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string; protocol: 'TCP' }[];
  };
}

/** A one-off run to completion (a release command): never retried, its pod never restarted. */
export interface JobObject extends KubeObject {
  apiVersion: 'batch/v1';
  kind: 'Job';
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    /** The cluster deletes the finished Job this long after (a cron run's; Berth deletes it itself too). */
    ttlSecondsAfterFinished?: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: Omit<ContainerObject, 'ports' | 'readinessProbe' | 'lifecycle'>[];
        imagePullSecrets?: { name: string }[];
        restartPolicy: 'Never';
        enableServiceLinks: boolean;
        automountServiceAccountToken: boolean;
      };
    };
  };
}
