/**
 * The kubernetes scheduler's parts (./kubernetes.ts) are loaded only when BERTH_SCHEDULER=kubernetes: the
 * cluster client library takes about 80 MB of memory (measured: RSS 41 → 124 MB on import) that a daemon on
 * Docker never needs. startDaemon awaits loadKubernetesParts before composing; the compose functions here
 * are then as synchronous as before, and undefined on Docker.
 */
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

type Parts = typeof import('./kubernetes.js');
let parts: Parts | undefined;

export async function loadKubernetesParts(config: Pick<Config, 'scheduler'>): Promise<void> {
  if (config.scheduler === 'kubernetes') parts ??= await import('./kubernetes.js');
}

function loaded(config: Pick<Config, 'scheduler'>): Parts | undefined {
  if (config.scheduler !== 'kubernetes') return undefined;
  if (!parts) throw new AppError('INTERNAL', 'The kubernetes scheduler was not loaded before composing the daemon.');
  return parts;
}

export function composeKubernetesPlacement(...args: Parameters<Parts['composeKubernetesPlacement']>) {
  return loaded(args[0])?.composeKubernetesPlacement(...args);
}

export function composeKubernetesDatabases(...args: Parameters<Parts['composeKubernetesDatabases']>) {
  return loaded(args[0])?.composeKubernetesDatabases(...args);
}

export function composeKubernetesCron(...args: Parameters<Parts['composeKubernetesCron']>) {
  return loaded(args[0])?.composeKubernetesCron(...args);
}
