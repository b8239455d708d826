/**
 * The scheduler settings of src/config.ts: which backend runs the apps (BERTH_SCHEDULER, docker by default)
 * and, for Kubernetes, where its credentials are (BERTH_KUBECONFIG) and how long a rollout may take
 * (BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS). Kept apart so config.ts stays short; config.ts is still the
 * only reader of the environment and hands the values in.
 */
import { resolve } from 'node:path';
import { AppError } from './errors.js';

type Env = Record<string, string | undefined>;

export type SchedulerName = 'docker' | 'kubernetes';
export const SCHEDULERS: readonly SchedulerName[] = ['docker', 'kubernetes'];

export interface KubernetesConfig {
  /**
   * Absolute path of the kubeconfig file (BERTH_KUBECONFIG); undefined: the service account's in-cluster
   * credentials when Berth runs in a pod, else the usual KUBECONFIG / ~/.kube/config lookup.
   */
  readonly kubeconfig: string | undefined;
  /** The longest a rollout may take before it counts as failed (BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS). */
  readonly rolloutTimeoutMs: number;
}

export interface SchedulerConfig {
  readonly scheduler: SchedulerName;
  readonly kubernetes: KubernetesConfig;
}

export const DEFAULT_ROLLOUT_TIMEOUT_SECONDS = 300;
const MAX_ROLLOUT_TIMEOUT_SECONDS = 3600;

function fail(variable: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `${variable} ${message}`);
}

function readRolloutTimeout(env: Env): number {
  const raw = env.BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_ROLLOUT_TIMEOUT_SECONDS * 1000;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_ROLLOUT_TIMEOUT_SECONDS)
    fail(
      'BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS',
      `must be a whole number of seconds from 1 to ${MAX_ROLLOUT_TIMEOUT_SECONDS}, got "${raw}"`,
    );
  return Number(raw) * 1000;
}

export function readSchedulerConfig(env: Env, cwd: string): SchedulerConfig {
  const scheduler = (env.BERTH_SCHEDULER || 'docker') as SchedulerName;
  if (!SCHEDULERS.includes(scheduler))
    fail('BERTH_SCHEDULER', `must be one of ${SCHEDULERS.join(', ')}, got "${env.BERTH_SCHEDULER}"`);
  const rawKubeconfig = env.BERTH_KUBECONFIG;
  if (rawKubeconfig !== undefined && /[\0\r\n]/.test(rawKubeconfig))
    fail('BERTH_KUBECONFIG', 'must be a plain file path');
  return Object.freeze({
    scheduler,
    kubernetes: Object.freeze({
      kubeconfig: rawKubeconfig ? resolve(cwd, rawKubeconfig) : undefined,
      rolloutTimeoutMs: readRolloutTimeout(env),
    }),
  });
}

/**
 * What the kubernetes scheduler cannot run yet is refused in words (KUBERNETES_UNSUPPORTED) rather than
 * run on the Docker engine beside the cluster while the operator believes everything runs on the cluster.
 * `what` is the subject of the sentence, with its verb: "Volumes are", "Release commands are".
 */
export function kubernetesUnsupported(what: string): AppError {
  return new AppError(
    'KUBERNETES_UNSUPPORTED',
    `${what} not supported on the kubernetes scheduler yet (BERTH_SCHEDULER=kubernetes runs app services with their worker processes and cron jobs, and managed databases; not volumes or compose stacks)`,
  );
}

/** Refuses `what` when the daemon runs on the kubernetes scheduler (undefined: Docker). */
export function requireDockerScheduler(scheduler: SchedulerName | undefined, what: string): void {
  if (scheduler === 'kubernetes') throw kubernetesUnsupported(what);
}
