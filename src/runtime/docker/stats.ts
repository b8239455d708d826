/**
 * GET /containers/{id}/stats as one reading of cumulative counters (one-shot: the engine answers at once
 * instead of waiting a second for a second reading; the sampler keeps its own previous reading, so CPU is
 * averaged over the whole sampling interval rather than the last second of it).
 */
import type { ContainerStats } from '../runtime.js';
import type { DockerClient, RawContainerStats as RawStats } from './client.js';
import { unlessStatus } from './failures.js';

export async function readContainerStats(d: DockerClient, id: string): Promise<ContainerStats | undefined> {
  const raw = await unlessStatus(404, d.getContainer(id).stats({ stream: false, 'one-shot': true }));
  return raw && toContainerStats(raw);
}

/** Pure mapping of the engine's answer (cgroup v1 and v2 shapes); exported for tests. */
export function toContainerStats(raw: RawStats): ContainerStats {
  const cpu = raw.cpu_stats;
  const networks = Object.values(raw.networks ?? {}) as Array<{ rx_bytes?: number; tx_bytes?: number }>;
  const blkio = raw.blkio_stats?.io_service_bytes_recursive ?? [];
  const sumOp = (op: string) => blkio.filter((e) => e.op.toLowerCase() === op).reduce((total, e) => total + e.value, 0);
  const limit = raw.memory_stats?.limit ?? 0;
  return {
    readAt: Date.parse(raw.read) || Date.now(),
    cpuTotalNs: cpu?.cpu_usage?.total_usage ?? 0,
    systemCpuNs: cpu?.system_cpu_usage ?? 0,
    onlineCpus: cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1,
    memoryBytes: workingSetBytes(raw.memory_stats),
    // The engine reports "no limit" as the host's memory (or a huge cgroup value); keep what it says.
    memoryLimitBytes: limit,
    networkRxBytes: networks.reduce((total, n) => total + (n.rx_bytes ?? 0), 0),
    networkTxBytes: networks.reduce((total, n) => total + (n.tx_bytes ?? 0), 0),
    blockReadBytes: sumOp('read'),
    blockWriteBytes: sumOp('write'),
    pids: raw.pids_stats?.current ?? 0,
  };
}

/**
 * Memory as `docker stats` shows it: usage minus the page cache that can be dropped at once
 * (cgroup v1: total_inactive_file, cgroup v2: inactive_file). Raw `usage` counts cache and looks absurd.
 */
export function workingSetBytes(memory: RawStats['memory_stats'] | undefined): number {
  if (!memory || typeof memory.usage !== 'number') return 0;
  const stats = (memory.stats ?? {}) as Partial<Record<string, number>>;
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return inactive < memory.usage ? memory.usage - inactive : memory.usage;
}
