/**
 * The calls the database side of the scheduler makes (beside client.ts, the other importer of
 * @kubernetes/client-node, with the same error rules): a pod's readiness and restarts, a Service's cluster
 * IP, a claim's phase, deleting one object by kind and name, and exec in a pod's container. Exec speaks the
 * API's WebSocket channel protocol; before v5 (Kubernetes 1.29) it cannot close a command's stdin, so stdin
 * is only for a command that stops by itself after a known number of bytes (pod-exec.ts stages input so).
 */
import { AppsV1Api, CoreV1Api, Exec, KubernetesObjectApi } from '@kubernetes/client-node';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import { call, callOrMissing, loadKubeConfig } from './client.js';

export interface DatabasePodState {
  phase: string;
  isReady: boolean;
  restartCount: number;
  /** Why the container is not running, e.g. ImagePullBackOff, CrashLoopBackOff or the scheduler's reason. */
  problem: string | undefined;
}

export interface StatefulSetState {
  generation: number;
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** Equal once every pod runs the current template. */
  isCurrent: boolean;
}

export interface ExecStreams {
  stdout: Writable;
  stderr: Writable;
  /** Finite input the command reads to its known end (never relies on end of input: see above). */
  stdin?: Readable;
}

export interface StatefulClient {
  readStatefulSet(namespace: string, name: string): Promise<StatefulSetState | undefined>;
  readPod(namespace: string, name: string): Promise<DatabasePodState | undefined>;
  serviceClusterIp(namespace: string, name: string): Promise<string | undefined>;
  claimPhase(namespace: string, name: string): Promise<string | undefined>;
  /** Deletes one object (`namespace` '' for a cluster-wide kind); false when there was none. */
  deleteObject(apiVersion: string, kind: string, namespace: string, name: string): Promise<boolean>;
  /** Whether the object exists. */
  hasObject(apiVersion: string, kind: string, namespace: string, name: string): Promise<boolean>;
  /** Runs argv in the container; resolves with its exit code once its output has been delivered. */
  exec(namespace: string, pod: string, container: string, argv: string[], streams: ExecStreams): Promise<number>;
}

/** Bytes queued on the socket before reading more input. */
const HIGH_WATER = 1 << 20;

function exitCodeOf(status: { status?: string; reason?: string; message?: string; details?: unknown }): number {
  if (status.status === 'Success') return 0;
  const causes = (status.details as { causes?: { reason?: string; message?: string }[] } | undefined)?.causes;
  const code = causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (code !== undefined && /^\d+$/.test(code)) return Number(code);
  throw new AppError('KUBERNETES_ERROR', `the command could not run in the pod: ${status.message ?? status.reason}`);
}

const header = (apiVersion: string, kind: string, namespace: string, name: string) => ({
  apiVersion,
  kind,
  metadata: namespace ? { name, namespace } : { name },
});

export function createStatefulClient(kubeconfigPath: string | undefined): StatefulClient {
  const kc = loadKubeConfig(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const runner = new Exec(kc);
  const apps = kc.makeApiClient(AppsV1Api);

  return {
    readStatefulSet: (namespace, name) =>
      callOrMissing(`read statefulset ${name}`, async () => {
        const set = await apps.readNamespacedStatefulSet({ namespace, name });
        return {
          generation: set.metadata?.generation ?? 0,
          observedGeneration: set.status?.observedGeneration ?? 0,
          replicas: set.spec?.replicas ?? 1,
          readyReplicas: set.status?.readyReplicas ?? 0,
          updatedReplicas: set.status?.updatedReplicas ?? 0,
          isCurrent: set.status?.currentRevision === set.status?.updateRevision,
        };
      }),

    readPod: (namespace, name) =>
      callOrMissing(`read pod ${name}`, async () => {
        const pod = await core.readNamespacedPod({ namespace, name });
        const status = pod.status?.containerStatuses?.[0];
        const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
        const waiting = status?.state?.waiting;
        return {
          phase: pod.status?.phase ?? 'Unknown',
          isReady: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
          restartCount: status?.restartCount ?? 0,
          problem: unscheduled
            ? `${unscheduled.reason ?? 'Unschedulable'}: ${unscheduled.message ?? ''}`.trim()
            : waiting?.reason && waiting.reason !== 'ContainerCreating'
              ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`
              : undefined,
        };
      }),

    serviceClusterIp: async (namespace, name) =>
      (await callOrMissing(`read service ${name}`, () => core.readNamespacedService({ namespace, name })))?.spec
        ?.clusterIP,

    claimPhase: async (namespace, name) =>
      (await callOrMissing(`read claim ${name}`, () => core.readNamespacedPersistentVolumeClaim({ namespace, name })))
        ?.status?.phase,

    deleteObject: async (apiVersion, kind, namespace, name) =>
      (await callOrMissing(`delete ${kind} ${name}`, () =>
        objects.delete(
          header(apiVersion, kind, namespace, name),
          undefined,
          undefined,
          undefined,
          undefined,
          'Background',
        ),
      )) !== undefined,

    hasObject: async (apiVersion, kind, namespace, name) =>
      (await callOrMissing(`read ${kind} ${name}`, () => objects.read(header(apiVersion, kind, namespace, name)))) !==
      undefined,

    exec: (namespace, pod, container, argv, streams) =>
      call(`run ${argv[0] ?? 'a command'} in pod ${pod}`, async () => {
        let status: Parameters<typeof exitCodeOf>[0] | undefined;
        // A stdin that never ends: the library closes the whole socket when its stdin ends.
        const held = streams.stdin ? new PassThrough() : null;
        const ws = await runner.exec(
          namespace,
          pod,
          container,
          argv,
          streams.stdout,
          streams.stderr,
          held,
          false,
          (s) => {
            status = s;
          },
        );
        const closed = new Promise<void>((resolve) => ws.addEventListener('close', () => resolve()));
        if (streams.stdin) {
          for await (const chunk of streams.stdin) {
            if (status) break;
            const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
            ws.send(Buffer.concat([Buffer.from([0]), data]));
            while (ws.bufferedAmount > HIGH_WATER && !status) await sleep(5);
          }
        }
        await closed;
        held?.destroy();
        if (!status) {
          streams.stdout.end();
          streams.stderr.end();
          throw new AppError('KUBERNETES_ERROR', `the connection to pod ${pod} closed before the command ended`);
        }
        return exitCodeOf(status);
      }),
  };
}
