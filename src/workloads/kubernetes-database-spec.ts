/**
 * The Kubernetes objects of a managed database, given inputs → exactly these objects (pure; equality tests
 * in test/unit/workload-kubernetes-database-spec.test.ts). Per database: a Secret with the engine's
 * environment and files (its credentials), a StatefulSet of one pod of the engine's image with a claim
 * template for its data, a headless Service naming the pod, and a ClusterIP Service named after the
 * database that apps connect to. Without a default StorageClass, a hostPath PersistentVolume reserved for
 * the one claim (single-node clusters only: see src/config-kubernetes-storage.ts). A backup is verified in a
 * scratch Pod with an emptyDir and throwaway credentials, which no Service selects.
 */
import type { NamespaceObject, SecretObject } from '../runtime/kubernetes/objects.js';
import type {
  DatabaseContainerObject,
  DatabaseServiceObject,
  ExecProbe,
  HostPathVolumeObject,
  PodObject,
  PodVolume,
  StatefulSetObject,
} from '../runtime/kubernetes/stateful-objects.js';
import type { DatabaseWorkload, EngineContainer } from './database-spec.js';
import { MANAGED_BY, projectNamespaceName } from './kubernetes-names.js';
import { containerResources, MANAGED_BY_LABEL, namespaceObject } from './kubernetes-spec.js';
import { LABELS, ROLES, databaseLabels, type Labels } from './labels.js';

export const DATABASE_CONTAINER_NAME = 'database';
export const DATABASE_PORT_NAME = 'db';
const CLAIM_TEMPLATE = 'data';
const FILES_VOLUME = 'files';
const DATA_VOLUME = 'data';

/** Where the claims get their volume: the default StorageClass, or a hostPath directory per claim. */
export type DatabaseStorage =
  { kind: 'default-class'; size: string } | { kind: 'host-path'; dir: string; size: string };

export type KubernetesDatabase = Pick<
  DatabaseWorkload,
  'id' | 'projectId' | 'environmentId' | 'name' | 'image' | 'memoryMb' | 'cpus'
> & { imagePullPolicy: 'IfNotPresent' | 'Never' };

/** `svc_0123456789ab` → `svc-0123456789ab`: short, so the pod (`-0`) and revision names stay within 63. */
export function databaseStatefulSetName(id: string): string {
  return id.replace('_', '-');
}
export const databasePodName = (id: string) => `${databaseStatefulSetName(id)}-0`;
export const databaseHeadlessName = (id: string) => `${databaseStatefulSetName(id)}-pods`;
export const databaseSecretName = (id: string) => `${databaseStatefulSetName(id)}-credentials`;
/** The claim the StatefulSet's template makes for its one pod. */
export const databaseClaimName = (id: string) => `${CLAIM_TEMPLATE}-${databaseStatefulSetName(id)}-0`;
export const databaseVolumeName = (id: string) => `berth-${databaseStatefulSetName(id)}-data`;
/** Apps connect to the Service named after the database, as to its DNS alias on Docker. */
export const databaseServiceName = (name: string) => name;

/** What selects the database's server pod (not its scratch pods: their role differs). */
export function databaseSelector(id: string): Labels {
  return { [LABELS.service]: id, [LABELS.role]: ROLES.database };
}

function labelsOf(database: KubernetesDatabase): Labels {
  return { ...databaseLabels(database), [MANAGED_BY_LABEL]: MANAGED_BY };
}

function meta(database: KubernetesDatabase, name: string) {
  return { name, namespace: projectNamespaceName(database.projectId), labels: labelsOf(database) };
}

/** The engine's health command, every 2 s; five misses take the pod out of its Services. */
function readiness(engine: EngineContainer): ExecProbe {
  return {
    exec: { command: engine.healthcheck },
    initialDelaySeconds: 1,
    periodSeconds: 2,
    timeoutSeconds: 5,
    successThreshold: 1,
    failureThreshold: 5,
  };
}

/** The Secret key of the engine's `index`th file. */
export const databaseFileKey = (index: number) => `file-${index}`;

export function databaseSecretObject(database: KubernetesDatabase, engine: EngineContainer): SecretObject {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(engine.env)) data[key] = Buffer.from(value, 'utf8').toString('base64');
  (engine.files ?? []).forEach((file, index) => {
    data[databaseFileKey(index)] = Buffer.from(file.content, 'utf8').toString('base64');
  });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(database, databaseSecretName(database.id)),
    type: 'Opaque',
    immutable: false,
    data,
  };
}

/** The server container; `env` set: inline values (a scratch pod's throwaway ones), else the Secret. */
function container(
  database: KubernetesDatabase,
  engine: EngineContainer,
  secretName: string,
  dataVolume: string,
): DatabaseContainerObject {
  const files = engine.files ?? [];
  return {
    name: DATABASE_CONTAINER_NAME,
    image: database.image,
    imagePullPolicy: database.imagePullPolicy,
    ...(engine.cmd ? { args: engine.cmd } : {}),
    ports: [{ name: DATABASE_PORT_NAME, containerPort: engine.port, protocol: 'TCP' }],
    envFrom: [{ secretRef: { name: secretName } }],
    resources: containerResources({ cpus: database.cpus, memoryMb: database.memoryMb }),
    readinessProbe: readiness(engine),
    volumeMounts: [
      { name: dataVolume, mountPath: engine.dataDir },
      ...files.map((file, index) => ({
        name: FILES_VOLUME,
        mountPath: `${file.directory.replace(/\/$/, '')}/${file.name}`,
        subPath: databaseFileKey(index),
        readOnly: true,
      })),
    ],
  };
}

function filesVolume(engine: EngineContainer, secretName: string): PodVolume[] {
  const files = engine.files ?? [];
  if (files.length === 0) return [];
  const items = files.map((file, index) => ({
    key: databaseFileKey(index),
    path: databaseFileKey(index),
    mode: file.mode,
  }));
  return [{ name: FILES_VOLUME, secret: { secretName, items } }];
}

export function databaseStatefulSetObject(
  database: KubernetesDatabase,
  engine: EngineContainer,
  storage: DatabaseStorage,
  replicas: 0 | 1,
): StatefulSetObject {
  const secretName = databaseSecretName(database.id);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(database, databaseStatefulSetName(database.id)),
    spec: {
      replicas,
      serviceName: databaseHeadlessName(database.id),
      selector: { matchLabels: databaseSelector(database.id) },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: labelsOf(database) },
        spec: {
          containers: [container(database, engine, secretName, CLAIM_TEMPLATE)],
          volumes: filesVolume(engine, secretName),
          terminationGracePeriodSeconds: 30,
          enableServiceLinks: false,
          automountServiceAccountToken: false,
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: CLAIM_TEMPLATE, labels: labelsOf(database) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(storage.kind === 'host-path' ? { storageClassName: '' } : {}),
            resources: { requests: { storage: storage.size } },
          },
        },
      ],
    },
  };
}

function serviceObject(database: KubernetesDatabase, engine: EngineContainer, name: string, headless: boolean) {
  const service: DatabaseServiceObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(database, name),
    spec: {
      type: 'ClusterIP',
      ...(headless ? { clusterIP: 'None' as const, publishNotReadyAddresses: true } : {}),
      selector: databaseSelector(database.id),
      ports: [{ name: DATABASE_PORT_NAME, port: engine.port, targetPort: DATABASE_PORT_NAME, protocol: 'TCP' }],
    },
  };
  return service;
}

/** A directory per database under the configured path, reserved for its one claim. */
export function databaseHostPathVolume(
  database: KubernetesDatabase,
  storage: Extract<DatabaseStorage, { kind: 'host-path' }>,
): HostPathVolumeObject {
  const { namespace, ...metadata } = meta(database, databaseVolumeName(database.id));
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata,
    spec: {
      capacity: { storage: storage.size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      volumeMode: 'Filesystem',
      hostPath: { path: databaseHostPath(storage.dir, database.id), type: 'DirectoryOrCreate' },
      claimRef: { namespace, name: databaseClaimName(database.id) },
    },
  };
}

export function databaseHostPath(dir: string, id: string): string {
  return `${dir.replace(/\/$/, '')}/${databaseStatefulSetName(id)}`;
}

/** Everything a database is, in the order the API needs it (namespace and volume before the claim's user). */
export function databaseObjects(
  database: KubernetesDatabase,
  engine: EngineContainer,
  storage: DatabaseStorage,
  replicas: 0 | 1,
): [NamespaceObject, ...(SecretObject | HostPathVolumeObject | DatabaseServiceObject | StatefulSetObject)[]] {
  return [
    namespaceObject({ id: database.projectId }),
    databaseSecretObject(database, engine),
    ...(storage.kind === 'host-path' ? [databaseHostPathVolume(database, storage)] : []),
    serviceObject(database, engine, databaseHeadlessName(database.id), true),
    serviceObject(database, engine, databaseServiceName(database.name), false),
    databaseStatefulSetObject(database, engine, storage, replicas),
  ];
}

/** The scratch pod's Secret (throwaway credentials) and the pod: same image, an emptyDir, no Service. */
export function scratchDatabaseObjects(
  database: KubernetesDatabase,
  engine: EngineContainer,
  purpose: string,
  at: number,
): [SecretObject, PodObject] {
  const name = `${databaseStatefulSetName(database.id)}-${purpose}-${at.toString(36)}`;
  const labels = { ...labelsOf(database), [LABELS.role]: purpose };
  const secret = { ...databaseSecretObject(database, engine), metadata: { ...meta(database, name), labels } };
  const pod: PodObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta(database, name), labels },
    spec: {
      containers: [container(database, engine, name, DATA_VOLUME)],
      volumes: [{ name: DATA_VOLUME, emptyDir: {} }, ...filesVolume(engine, name)],
      terminationGracePeriodSeconds: 5,
      enableServiceLinks: false,
      automountServiceAccountToken: false,
    },
  };
  return [secret, pod];
}
