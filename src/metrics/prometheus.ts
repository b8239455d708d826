/**
 * The latest readings in Prometheus' text exposition format (version 0.0.4). Counters are the engine's
 * cumulative counters of each container (a new container starts from zero, which Prometheus' rate()
 * treats as a counter reset); labels name the project and service by name and id.
 */
import type { LiveContainer, LiveHost } from './sampler.js';

interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  value: (c: LiveContainer) => number | null;
}

const CONTAINER_FAMILIES: Family[] = [
  {
    name: 'berth_container_cpu_seconds_total',
    type: 'counter',
    help: 'CPU time used by the container.',
    value: (c) => c.stats.cpuTotalNs / 1e9,
  },
  {
    name: 'berth_container_cpu_ratio',
    type: 'gauge',
    help: 'CPU used over the last sampling interval, in cores (1 = one core busy), like docker stats / 100.',
    value: (c) => (c.cpuPercent === null ? null : c.cpuPercent / 100),
  },
  {
    name: 'berth_container_memory_bytes',
    type: 'gauge',
    help: 'Memory used (usage minus inactive page cache, like docker stats).',
    value: (c) => c.stats.memoryBytes,
  },
  {
    name: 'berth_container_memory_limit_bytes',
    type: 'gauge',
    help: 'Memory limit of the container (the host memory when it has none).',
    value: (c) => c.stats.memoryLimitBytes,
  },
  {
    name: 'berth_container_network_receive_bytes_total',
    type: 'counter',
    help: 'Bytes received on all networks.',
    value: (c) => c.stats.networkRxBytes,
  },
  {
    name: 'berth_container_network_transmit_bytes_total',
    type: 'counter',
    help: 'Bytes sent on all networks.',
    value: (c) => c.stats.networkTxBytes,
  },
  {
    name: 'berth_container_block_read_bytes_total',
    type: 'counter',
    help: 'Bytes read from block devices.',
    value: (c) => c.stats.blockReadBytes,
  },
  {
    name: 'berth_container_block_write_bytes_total',
    type: 'counter',
    help: 'Bytes written to block devices.',
    value: (c) => c.stats.blockWriteBytes,
  },
  {
    name: 'berth_container_restarts_total',
    type: 'counter',
    help: 'Times the engine restarted the container.',
    value: (c) => c.restartCount,
  },
];

export function prometheusText(containers: readonly LiveContainer[], host: LiveHost | undefined): string {
  const out: string[] = [];
  for (const family of CONTAINER_FAMILIES) {
    out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const c of containers) {
      const value = family.value(c);
      if (value !== null) out.push(`${family.name}${labels(c)} ${formatNumber(value)}`);
    }
  }
  if (host) {
    const gauge = (name: string, help: string, value: number | null) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      if (value !== null) out.push(`${name} ${formatNumber(value)}`);
    };
    gauge(
      'berth_host_cpu_ratio',
      'Host CPU busy over the last sampling interval, in cores.',
      host.cpuPercent === null ? null : host.cpuPercent / 100,
    );
    gauge('berth_host_cpu_cores', 'CPU cores of the host.', host.cores);
    gauge('berth_host_memory_used_bytes', 'Host memory in use (total minus available).', host.memoryUsedBytes);
    gauge('berth_host_memory_total_bytes', 'Host memory.', host.memoryTotalBytes);
    gauge('berth_host_disk_used_bytes', "Bytes used on the data directory's file system.", host.diskUsedBytes);
    gauge('berth_host_disk_total_bytes', "Size of the data directory's file system.", host.diskTotalBytes);
  }
  return out.join('\n') + '\n';
}

function labels(c: LiveContainer): string {
  const pairs: Array<[string, string]> = [
    ['project', c.service.projectName],
    ['project_id', c.service.projectId],
    ['service', c.service.serviceName],
    ['service_id', c.service.serviceId],
    ['kind', c.service.kind],
    ['container', c.name],
  ];
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'NaN';
}
