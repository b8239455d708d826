/**
 * The shapes of the objects a managed database is on the cluster, as plain data (like objects.ts): a
 * StatefulSet with a claim template, its Services, and, without a default StorageClass, a hostPath
 * PersistentVolume; plus the scratch Pod a backup is verified in. Only the fields Berth sets are typed.
 */
import type { KubeObject, ResourceList } from './objects.js';

export interface ExecProbe {
  exec: { command: string[] };
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface DatabaseContainerObject {
  name: string;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  args?: string[];
  ports: { name: string; containerPort: number; protocol: 'TCP' }[];
  env?: { name: string; value: string }[];
  envFrom?: { secretRef: { name: string } }[];
  resources: { limits?: ResourceList; requests?: ResourceList };
  readinessProbe: ExecProbe;
  volumeMounts: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}

export type PodVolume =
  | { name: string; emptyDir: Record<string, never> }
  | { name: string; secret: { secretName: string; items: { key: string; path: string; mode: number }[] } };

export interface DatabasePodSpec {
  containers: DatabaseContainerObject[];
  volumes: PodVolume[];
  terminationGracePeriodSeconds: number;
  enableServiceLinks: boolean;
  automountServiceAccountToken: boolean;
}

export interface ClaimTemplate {
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    accessModes: ['ReadWriteOnce'];
    /** '' binds only to a PersistentVolume without a class (Berth's hostPath ones); absent: the default class. */
    storageClassName?: string;
    resources: { requests: { storage: string } };
  };
}

export interface StatefulSetObject extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  spec: {
    replicas: number;
    serviceName: string;
    selector: { matchLabels: Record<string, string> };
    podManagementPolicy: 'OrderedReady';
    updateStrategy: { type: 'RollingUpdate' };
    template: { metadata: { labels: Record<string, string> }; spec: DatabasePodSpec };
    volumeClaimTemplates: ClaimTemplate[];
  };
}

export interface DatabaseServiceObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  spec: {
    type: 'ClusterIP';
    /** 'None' for the headless Service that names the pod. */
    clusterIP?: 'None';
    publishNotReadyAddresses?: boolean;
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string; protocol: 'TCP' }[];
  };
}

export interface HostPathVolumeObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'PersistentVolume';
  spec: {
    capacity: { storage: string };
    accessModes: ['ReadWriteOnce'];
    persistentVolumeReclaimPolicy: 'Retain';
    storageClassName: '';
    volumeMode: 'Filesystem';
    hostPath: { path: string; type: 'DirectoryOrCreate' };
    /** Reserved for the one claim of its database's StatefulSet. */
    claimRef: { namespace: string; name: string };
  };
}

export interface PodObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Pod';
  spec: DatabasePodSpec;
}
