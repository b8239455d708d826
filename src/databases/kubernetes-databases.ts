/**
 * Managed databases on the cluster (BERTH_SCHEDULER=kubernetes): the objects of
 * src/workloads/kubernetes-database-spec.ts applied through the scheduler, readiness read from the
 * StatefulSet and its pod, the engine's tools run in the pod through the exec API (pod-exec.ts), and a
 * scratch pod for verifications. Storage: the default StorageClass, or a hostPath volume per database
 * under BERTH_KUBERNETES_HOSTPATH_DIR (single node).
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesStorageConfig } from '../config-kubernetes-storage.js';
import { AppError } from '../errors.js';
import type { StatefulClient } from '../runtime/kubernetes/client-stateful.js';
import type { PodExec, PodTarget } from '../runtime/kubernetes/pod-exec.js';
import type { KubeObject } from '../runtime/kubernetes/objects.js';
import { projectNamespaceName } from '../workloads/kubernetes-names.js';
import {
  DATABASE_CONTAINER_NAME,
  databaseClaimName,
  databaseHeadlessName,
  databaseHostPath,
  databaseObjects,
  databasePodName,
  databaseSecretName,
  databaseServiceName,
  databaseStatefulSetName,
  databaseVolumeName,
  scratchDatabaseObjects,
  type DatabaseStorage,
  type KubernetesDatabase,
} from '../workloads/kubernetes-database-spec.js';
import type { DatabaseCluster, ScratchServer } from './database-cluster.js';
import { engineContainer, HEALTHY_TIMEOUT_MS } from './database-container.js';
import type { ManagedDatabase } from './database.types.js';
import type { DatabaseCredentials } from './engines/types.js';
import { ToolFailure, type ToolTarget } from './tool-runner.js';

export interface KubernetesDatabaseDeps {
  /** Applies objects (server-side apply, install label): the KubernetesScheduler. */
  apply(objects: readonly KubeObject[]): Promise<void>;
  client: StatefulClient;
  exec: PodExec;
  listStorageClasses(): Promise<{ isDefault: boolean }[]>;
  storage: KubernetesStorageConfig['kubernetesStorage'];
  timeoutMs?: number;
  pollMs?: number;
}

/** Reasons a pod will not recover from by waiting. */
const HOPELESS = /^(ErrImageNeverPull|InvalidImageName|CreateContainerConfigError)/;

export class KubernetesDatabases implements DatabaseCluster {
  private readonly timeoutMs: number;
  private readonly pollMs: number;

  constructor(private readonly deps: KubernetesDatabaseDeps) {
    this.timeoutMs = deps.timeoutMs ?? HEALTHY_TIMEOUT_MS;
    this.pollMs = deps.pollMs ?? 500;
  }

  async provision(database: ManagedDatabase, credentials: DatabaseCredentials) {
    const storage = await this.storage();
    const namespace = projectNamespaceName(database.projectId);
    const claim = databaseClaimName(database.id);
    const freshVolume = (await this.deps.client.claimPhase(namespace, claim)) === undefined;
    await this.deps.apply(databaseObjects(workload(database), engineContainer(database, credentials), storage, 1));
    await this.waitReady(database);
    return { name: databaseStatefulSetName(database.id), freshVolume };
  }

  async stop(database: ManagedDatabase, credentials: DatabaseCredentials): Promise<void> {
    const objects = databaseObjects(
      workload(database),
      engineContainer(database, credentials),
      await this.storage(),
      0,
    );
    await this.deps.apply(objects);
    await this.podGone(database);
  }

  async health(database: ManagedDatabase): Promise<'healthy' | 'starting' | 'none' | 'missing'> {
    const namespace = projectNamespaceName(database.projectId);
    const set = await this.deps.client.readStatefulSet(namespace, databaseStatefulSetName(database.id));
    if (!set) return 'missing';
    if (set.replicas === 0) return 'none';
    const pod = await this.deps.client.readPod(namespace, databasePodName(database.id));
    return pod?.isReady ? 'healthy' : 'starting';
  }

  async host(database: ManagedDatabase): Promise<string | undefined> {
    const namespace = projectNamespaceName(database.projectId);
    const ip = await this.deps.client.serviceClusterIp(namespace, databaseServiceName(database.name));
    return ip && ip !== 'None' ? ip : undefined;
  }

  async server(database: ManagedDatabase): Promise<ToolTarget> {
    const target = podTarget(database, databasePodName(database.id));
    const pod = await this.deps.client.readPod(target.namespace, target.pod);
    if (!pod?.isReady) throw new ToolFailure(`The database is not running (its pod ${target.pod} is not ready).`);
    return this.toolTarget(target);
  }

  async scratch(database: ManagedDatabase, credentials: DatabaseCredentials, purpose: string): Promise<ScratchServer> {
    const [secret, pod] = scratchDatabaseObjects(
      workload(database),
      engineContainer(database, credentials),
      purpose,
      Date.now(),
    );
    const target = podTarget(database, pod.metadata.name);
    const remove = async () => {
      await this.deps.client.deleteObject('v1', 'Pod', target.namespace, target.pod);
      await this.deps.client.deleteObject('v1', 'Secret', target.namespace, secret.metadata.name);
      await this.until(
        async () => !(await this.deps.client.readPod(target.namespace, target.pod)),
        'the scratch pod was still stopping',
      );
    };
    try {
      await this.deps.apply([secret, pod]);
      await this.until(
        async () => (await this.podReady(target)) === true,
        `the scratch pod ${target.pod} did not become ready`,
      );
    } catch (error) {
      await remove().catch(() => undefined);
      throw error;
    }
    return { target: this.toolTarget(target), remove };
  }

  async remove(database: ManagedDatabase, options: { deleteVolume: boolean }): Promise<void> {
    const { client } = this.deps;
    const namespace = projectNamespaceName(database.projectId);
    await client.deleteObject('apps/v1', 'StatefulSet', namespace, databaseStatefulSetName(database.id));
    await client.deleteObject('v1', 'Service', namespace, databaseServiceName(database.name));
    await client.deleteObject('v1', 'Service', namespace, databaseHeadlessName(database.id));
    await client.deleteObject('v1', 'Secret', namespace, databaseSecretName(database.id));
    await this.podGone(database);
    if (!options.deleteVolume) return;
    const claim = databaseClaimName(database.id);
    await client.deleteObject('v1', 'PersistentVolumeClaim', namespace, claim);
    await this.until(
      async () => (await client.claimPhase(namespace, claim)) === undefined,
      'its claim was still there',
    );
    const volume = databaseVolumeName(database.id);
    if (await client.deleteObject('v1', 'PersistentVolume', '', volume)) {
      await this.until(
        async () => !(await client.hasObject('v1', 'PersistentVolume', '', volume)),
        'its volume was still there',
      );
    }
    // Berth's own hostPath directory (the node is this machine: single-node clusters only).
    const dir = this.deps.storage.hostPathDir;
    if (dir) await rm(databaseHostPath(dir, database.id), { recursive: true, force: true });
  }

  private toolTarget(target: PodTarget): ToolTarget {
    return {
      exec: (argv, options) => this.deps.exec.exec(target, argv, options),
      restartAfterShutdown: async (shutdown) => {
        const before = (await this.deps.client.readPod(target.namespace, target.pod))?.restartCount ?? 0;
        await shutdown();
        await this.until(async () => {
          const pod = await this.deps.client.readPod(target.namespace, target.pod);
          return pod !== undefined && pod.restartCount > before && pod.isReady;
        }, 'the database did not come back after the restore');
      },
    };
  }

  /** Where claims get their volume; refuses in words when the cluster offers none. */
  private async storage(): Promise<DatabaseStorage> {
    const { hostPathDir, databaseSize } = this.deps.storage;
    if (hostPathDir) return { kind: 'host-path', dir: hostPathDir, size: databaseSize };
    if (!(await this.deps.listStorageClasses()).some((sc) => sc.isDefault))
      throw new AppError(
        'KUBERNETES_UNSUPPORTED',
        'The cluster has no default StorageClass for database volumes: mark one default, or set BERTH_KUBERNETES_HOSTPATH_DIR on a single-node cluster.',
      );
    return { kind: 'default-class', size: databaseSize };
  }

  /** true: ready; false: not yet; throws when the pod cannot start. */
  private async podReady(target: PodTarget): Promise<boolean> {
    const pod = await this.deps.client.readPod(target.namespace, target.pod);
    if (pod?.problem && HOPELESS.test(pod.problem))
      throw new AppError('KUBERNETES_ERROR', `Pod ${target.pod} cannot start: ${pod.problem}`);
    return pod?.isReady === true;
  }

  private async waitReady(database: ManagedDatabase): Promise<void> {
    const namespace = projectNamespaceName(database.projectId);
    const name = databaseStatefulSetName(database.id);
    const target = podTarget(database, databasePodName(database.id));
    await this.until(
      async () => {
        const set = await this.deps.client.readStatefulSet(namespace, name);
        const current =
          set !== undefined && set.observedGeneration >= set.generation && set.isCurrent && set.updatedReplicas === 1;
        return (await this.podReady(target)) && current && set.readyReplicas === 1;
      },
      'the database was not ready',
      async () => {
        const pod = await this.deps.client.readPod(namespace, target.pod);
        const claim = await this.deps.client.claimPhase(namespace, databaseClaimName(database.id));
        return pod?.problem ?? (claim === 'Pending' ? 'its volume claim is still Pending' : undefined);
      },
    );
  }

  private podGone(database: ManagedDatabase): Promise<void> {
    const namespace = projectNamespaceName(database.projectId);
    return this.until(
      async () => (await this.deps.client.readPod(namespace, databasePodName(database.id))) === undefined,
      'its pod was still stopping',
    );
  }

  private async until(done: () => Promise<boolean>, what: string, why?: () => Promise<string | undefined>) {
    const deadline = Date.now() + this.timeoutMs;
    while (!(await done())) {
      if (Date.now() >= deadline) {
        const reason = await why?.().catch(() => undefined);
        throw new AppError(
          'KUBERNETES_ERROR',
          `${what} after ${Math.round(this.timeoutMs / 1000)} s${reason ? ` (${reason})` : ''}.`,
        );
      }
      await sleep(this.pollMs);
    }
  }
}

function workload(database: ManagedDatabase): KubernetesDatabase {
  return { ...database, imagePullPolicy: 'IfNotPresent' };
}

function podTarget(database: ManagedDatabase, pod: string): PodTarget {
  return { namespace: projectNamespaceName(database.projectId), pod, container: DATABASE_CONTAINER_NAME };
}
