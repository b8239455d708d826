/** Pure arithmetic on two readings of a container's counters, the way `docker stats` does it. */
import type { ContainerStats } from '../runtime/runtime.js';

/**
 * CPU % as `docker stats` computes it: the container's share of the host's CPU time between two readings,
 * times the online CPUs (so 100 = one core busy, 200 = two). Null when the readings cannot be compared.
 */
export function cpuPercent(previous: ContainerStats, current: ContainerStats): number | null {
  const cpuDelta = current.cpuTotalNs - previous.cpuTotalNs;
  const systemDelta = current.systemCpuNs - previous.systemCpuNs;
  if (systemDelta <= 0 || cpuDelta < 0) return null;
  return (cpuDelta / systemDelta) * current.onlineCpus * 100;
}

/**
 * How much a cumulative counter grew between readings. A counter that went down was reset (the container
 * restarted, its cgroup is new): everything it counts now is new.
 */
export function counterDelta(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}
