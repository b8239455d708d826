/**
 * Where databases on the cluster keep their data (BERTH_SCHEDULER=kubernetes). By default each database's
 * PersistentVolumeClaim gets the cluster's default StorageClass (its provisioner makes the volume). A cluster
 * without one (a bare single-node cluster) can use BERTH_KUBERNETES_HOSTPATH_DIR instead: Berth then makes a
 * hostPath PersistentVolume per claim, a directory under that path ON THE NODE. That is only right for a
 * single-node cluster whose node is the machine Berth runs on (the data lives on that node's disk, and
 * Berth removes the directory when the database is deleted with its volume). BERTH_KUBERNETES_DATABASE_SIZE
 * is what each claim asks for (default 10Gi). config.ts is still the only reader of the environment.
 */
import { isAbsolute, resolve } from 'node:path';
import { AppError } from './errors.js';

type Env = Record<string, string | undefined>;

export interface KubernetesStorageConfig {
  readonly kubernetesStorage: {
    /** Absolute directory on the (single) node for hostPath volumes; undefined: the default StorageClass. */
    readonly hostPathDir: string | undefined;
    /** The size each database's claim asks for, in the API's quantity form (e.g. `10Gi`). */
    readonly databaseSize: string;
  };
}

export const DEFAULT_DATABASE_SIZE = '10Gi';

function fail(variable: string, message: string): never {
  throw new AppError('CONFIG_INVALID', `${variable} ${message}`);
}

export function readKubernetesStorageConfig(env: Env, cwd: string): KubernetesStorageConfig {
  const rawDir = env.BERTH_KUBERNETES_HOSTPATH_DIR;
  if (rawDir && (/[\0\r\n]/.test(rawDir) || !isAbsolute(rawDir) || resolve(rawDir) === '/'))
    fail('BERTH_KUBERNETES_HOSTPATH_DIR', `must be an absolute directory other than /, got "${rawDir}"`);
  const rawSize = env.BERTH_KUBERNETES_DATABASE_SIZE || DEFAULT_DATABASE_SIZE;
  if (!/^[1-9]\d{0,5}(Mi|Gi|Ti)$/.test(rawSize))
    fail('BERTH_KUBERNETES_DATABASE_SIZE', `must be a size such as 512Mi or 10Gi, got "${rawSize}"`);
  return Object.freeze({
    kubernetesStorage: Object.freeze({
      hostPathDir: rawDir ? resolve(cwd, rawDir) : undefined,
      databaseSize: rawSize,
    }),
  });
}
