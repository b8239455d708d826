/**
 * Every 10 s: reads the counters of every running app and database container of this Berth's services,
 * turns them into what each service used since the last reading, and stores one 10-s bucket per service
 * plus one for the host. The latest reading of each container is kept in memory for /metrics and the panel.
 * Restart counts need an inspect per container, so they are refreshed once a minute; disk use needs the
 * engine's expensive df, so once an hour.
 */
import type { Logger } from '../logger.js';
import type { ContainerStats, ContainerSummary, Runtime } from '../runtime/runtime.js';
import { counterDelta, cpuPercent } from './cpu.js';
import { readHost, type HostReading } from './host-stats.js';
import type { MetricsRepository, ServiceEntry } from './metrics.repository.js';
import { SERVER_SERIES, type Bucket } from './metrics.types.js';
import { LABELS, managedLabels } from '../workloads/labels.js';

export const SAMPLE_INTERVAL_SECONDS = 10;
const RESTARTS_EVERY_TICKS = 6;
const DISK_EVERY_TICKS = 360;
/**
 * Stats calls in flight at once. The engine answers a stats call at its collector's next 1-s tick, so a
 * call mostly waits: with 8 at a time, 50 containers took 7 s per tick; with all at once, about 1 s.
 */
const CONCURRENCY = 64;
/** Roles of containers that are not a service's own (release commands, backup tools). */
const COUNTED_ROLES = new Set([undefined, 'database']);

export interface LiveContainer {
  containerId: string;
  name: string;
  service: ServiceEntry;
  stats: ContainerStats;
  cpuPercent: number | null;
  restartCount: number;
}

export interface LiveHost extends HostReading {
  cpuPercent: number | null;
  readAt: number;
}

export interface SamplerDeps {
  runtime: Runtime;
  repository: MetricsRepository;
  dataDir: string;
  logger: Logger;
  /** ms since epoch; tests move it. */
  clock?: () => number;
}

export class MetricsSampler {
  private live = new Map<string, LiveContainer>();
  /** The engine's restart count of each listed container, as last inspected. */
  private restartCounts = new Map<string, number>();
  /** The restart count already stored, per container (a restarting container has no stats reading). */
  private countedRestarts = new Map<string, number>();
  private host: LiveHost | undefined;
  private lastTickAt: number | undefined;
  private ticks = 0;
  private disk: Record<string, number> = {};
  private diskRefresh: Promise<void> | undefined;

  constructor(private readonly deps: SamplerDeps) {}

  /** The latest reading of every counted container (for Prometheus and the panel). */
  containers(): LiveContainer[] {
    return [...this.live.values()];
  }

  latestHost(): LiveHost | undefined {
    return this.host;
  }

  async tick(): Promise<void> {
    const { runtime, repository } = this.deps;
    const now = (this.deps.clock ?? Date.now)();
    const first = this.lastTickAt === undefined;
    const spanMs = first ? 0 : now - this.lastTickAt!;
    this.ticks++;
    const directory = new Map((await repository.serviceDirectory()).map((s) => [s.serviceId, s]));
    // With the engine away, the host is still sampled; containers are simply not listed this time.
    const all = await runtime.listContainers(managedLabels()).catch((error: unknown) => {
      this.deps.logger.debug({ err: error }, 'could not list containers for metrics');
      return [];
    });
    const listed = all.filter(
      (c) =>
        (c.state === 'running' || c.state === 'restarting') &&
        COUNTED_ROLES.has(c.labels[LABELS.role]) &&
        directory.has(c.labels[LABELS.service] ?? ''),
    );
    const refreshRestarts = first || this.ticks % RESTARTS_EVERY_TICKS === 0;
    const readings = await mapLimit(listed, CONCURRENCY, (c) => this.read(c, refreshRestarts));
    if (first || this.ticks % DISK_EVERY_TICKS === 0) this.refreshDisk();

    const buckets = new Map<string, Bucket>();
    const nextLive = new Map<string, LiveContainer>();
    const spans = new Map<string, number>();
    const ts = Math.floor(now / 1000 / SAMPLE_INTERVAL_SECONDS) * SAMPLE_INTERVAL_SECONDS;
    const host = await readHost(this.deps.dataDir);
    for (const [i, container] of listed.entries()) {
      const reading = readings[i];
      const serviceId = container.labels[LABELS.service]!;
      const bucket = buckets.get(serviceId) ?? emptyBucket(ts, spanMs, this.disk[serviceId] ?? null);
      buckets.set(serviceId, bucket);
      const restartCount = this.restartCounts.get(container.id) ?? 0;
      const previous = this.live.get(container.id);
      // A container first seen after the first tick started since the last one: all it counted is new.
      const counted = this.countedRestarts.get(container.id) ?? (first ? restartCount : 0);
      bucket.restarts += Math.max(0, restartCount - counted);
      this.countedRestarts.set(container.id, Math.max(counted, restartCount));
      if (!reading) {
        // Keep the last reading as the baseline, so a missed reading does not count a lifetime of CPU again.
        if (previous) nextLive.set(container.id, { ...previous, restartCount });
        continue;
      }
      bucket.containers++;
      bucket.memoryAvg += reading.memoryBytes;
      bucket.memoryLimit = Math.min(bucket.memoryLimit + reading.memoryLimitBytes, host.memoryTotalBytes);
      if (previous || !first) {
        const base = previous?.stats;
        // The span the counters cover is between the engine's readings, not between tick starts (a tick
        // can take a while: inspects, the hourly df).
        if (base) spans.set(serviceId, Math.max(spans.get(serviceId) ?? 0, reading.readAt - base.readAt));
        bucket.cpuMs += counterDelta(base?.cpuTotalNs ?? 0, reading.cpuTotalNs) / 1e6;
        bucket.netRx += counterDelta(base?.networkRxBytes ?? 0, reading.networkRxBytes);
        bucket.netTx += counterDelta(base?.networkTxBytes ?? 0, reading.networkTxBytes);
        bucket.blkRead += counterDelta(base?.blockReadBytes ?? 0, reading.blockReadBytes);
        bucket.blkWrite += counterDelta(base?.blockWriteBytes ?? 0, reading.blockWriteBytes);
      }
      nextLive.set(container.id, {
        containerId: container.id,
        name: container.name,
        service: directory.get(serviceId)!,
        stats: reading,
        cpuPercent: previous ? cpuPercent(previous.stats, reading) : null,
        restartCount,
      });
    }
    for (const [serviceId, bucket] of buckets) {
      bucket.memoryMax = bucket.memoryAvg;
      bucket.spanMs = spans.get(serviceId) ?? bucket.spanMs;
    }
    this.live = nextLive;
    const listedIds = new Set(listed.map((c) => c.id));
    for (const map of [this.restartCounts, this.countedRestarts]) {
      for (const id of map.keys()) if (!listedIds.has(id)) map.delete(id);
    }

    const rows: Array<{ series: number; bucket: Bucket }> = [];
    for (const [serviceId, bucket] of buckets) rows.push({ series: await repository.seriesId(serviceId), bucket });
    const hostBucket = this.hostBucket(host, ts, spanMs, listed.length);
    for (const bucket of buckets.values()) {
      // Host traffic is what the counted containers moved (the host's own interfaces also carry the proxy).
      hostBucket.netRx += bucket.netRx;
      hostBucket.netTx += bucket.netTx;
    }
    rows.push({ series: await repository.seriesId(SERVER_SERIES), bucket: hostBucket });
    await repository.write(SAMPLE_INTERVAL_SECONDS, rows);
    this.host = { ...host, readAt: now, cpuPercent: this.hostCpuPercent(host, spanMs) };
    this.lastTickAt = now;
  }

  /** The engine's df can take seconds: it runs beside the ticks, which use the last answer. */
  private refreshDisk(): void {
    if (this.diskRefresh) return;
    this.diskRefresh = this.deps.runtime
      .serviceDiskUsage()
      .then((usage) => {
        this.disk = usage.bytesByService;
      })
      .catch((error: unknown) => this.deps.logger.debug({ err: error }, 'could not read disk usage'))
      .finally(() => {
        this.diskRefresh = undefined;
      });
  }

  private async read(container: ContainerSummary, refreshRestarts: boolean): Promise<ContainerStats | undefined> {
    const { runtime, logger } = this.deps;
    try {
      if (refreshRestarts || !this.restartCounts.has(container.id)) {
        const details = await runtime.inspectContainer(container.id);
        if (details) this.restartCounts.set(container.id, details.restartCount);
      }
      // A restarting container has no cgroup to read right now.
      return container.state === 'running' ? await runtime.containerStats(container.id) : undefined;
    } catch (error) {
      logger.debug({ err: error, container: container.id }, 'could not read container stats');
      return undefined;
    }
  }

  private hostBucket(host: HostReading, ts: number, spanMs: number, containers: number): Bucket {
    const bucket = emptyBucket(ts, spanMs, host.diskUsedBytes);
    bucket.cpuMs = this.host && spanMs > 0 ? Math.max(0, host.busyMs - this.host.busyMs) : 0;
    bucket.memoryAvg = bucket.memoryMax = host.memoryUsedBytes;
    bucket.memoryLimit = host.memoryTotalBytes;
    bucket.containers = containers;
    return bucket;
  }

  private hostCpuPercent(host: HostReading, spanMs: number): number | null {
    if (!this.host || spanMs <= 0) return null;
    return (Math.max(0, host.busyMs - this.host.busyMs) / spanMs) * 100;
  }
}

function emptyBucket(ts: number, spanMs: number, diskBytes: number | null): Bucket {
  // prettier-ignore
  return { ts, samples: 1, spanMs, cpuMs: 0, memoryAvg: 0, memoryMax: 0, memoryLimit: 0, netRx: 0, netTx: 0,
    blkRead: 0, blkWrite: 0, restarts: 0, containers: 0, diskBytes };
}

/** Runs `work` over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
