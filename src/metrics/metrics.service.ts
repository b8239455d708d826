/**
 * Reading the metrics store: chart series for a service, a project or the host over a range, and usage
 * per service over a calendar month (CPU-hours, memory GB-hours, traffic, disk).
 */
import { AppError } from '../errors.js';
import type { MetricsRepository, ServiceEntry } from './metrics.repository.js';
import {
  RANGE_PLAN,
  SERVER_SERIES,
  type Bucket,
  type Range,
  type SeriesPoint,
  type UsageLine,
} from './metrics.types.js';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface SeriesResult {
  range: Range;
  /** Seconds one point covers. */
  step: number;
  from: number;
  to: number;
  points: SeriesPoint[];
}

export class MetricsService {
  constructor(
    private readonly repository: MetricsRepository,
    private readonly clock: () => number = Date.now,
  ) {}

  services(): Promise<ServiceEntry[]> {
    return this.repository.serviceDirectory();
  }

  /** An app or database service with its project, or NOT_FOUND. */
  async requireService(serviceId: string): Promise<ServiceEntry> {
    const found = (await this.repository.serviceDirectory()).find((s) => s.serviceId === serviceId);
    if (!found) throw new AppError('NOT_FOUND', 'No such service.');
    return found;
  }

  async projectServices(projectId: string): Promise<ServiceEntry[]> {
    return (await this.repository.serviceDirectory()).filter((s) => s.projectId === projectId);
  }

  serverSeries(range: Range): Promise<SeriesResult> {
    return this.series([SERVER_SERIES], range);
  }

  /** One service's series, or a project's (its services added up). */
  async series(keys: readonly string[], range: Range): Promise<SeriesResult> {
    const plan = RANGE_PLAN[range];
    const to = Math.floor(this.clock() / 1000);
    const from = Math.floor((to - plan.seconds) / plan.step) * plan.step;
    const ids = [...(await this.repository.existingSeries(keys)).keys()];
    const rows = await this.repository.read(ids, plan.resolution, from, to + 1, plan.step);
    const byTime = new Map<number, SeriesPoint>();
    for (const { bucket } of rows) {
      const point = toPoint(bucket);
      const sum = byTime.get(point.t);
      byTime.set(point.t, sum ? addPoints(sum, point) : point);
    }
    return { range, step: plan.step, from, to, points: [...byTime.values()].sort((a, b) => a.t - b.t) };
  }

  /** Usage per service of one project over a calendar month (UTC), e.g. "2026-12". */
  async usage(
    projectId: string,
    month: string,
  ): Promise<{ month: string; from: string; to: string; lines: UsageLine[] }> {
    const match = MONTH.exec(month);
    if (!match) throw new AppError('VALIDATION_FAILED', 'month must look like 2026-12');
    const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, 1) / 1000;
    const end = Date.UTC(Number(match[1]), Number(match[2]), 1) / 1000;
    const services = (await this.repository.serviceDirectory()).filter((s) => s.projectId === projectId);
    const ids = await this.repository.existingSeries(services.map((s) => s.serviceId));
    // One step covering the whole month: one row per service.
    const rows = await this.repository.read([...ids.keys()], 3600, start, end, end - start);
    const totals = new Map(rows.map((r) => [ids.get(r.series)!, r.bucket]));
    const lines = services.map((s) => usageLine(s, totals.get(s.serviceId)));
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    return { month, from: iso(start), to: iso(end), lines };
  }
}

export function currentMonth(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

function toPoint(b: Bucket): SeriesPoint {
  const perSecond = (bytes: number) => (b.spanMs > 0 ? (bytes * 1000) / b.spanMs : 0);
  return {
    t: b.ts,
    cpuPercent: b.spanMs > 0 ? (b.cpuMs / b.spanMs) * 100 : 0,
    memoryBytes: b.memoryAvg,
    memoryLimitBytes: b.memoryLimit,
    netRxRate: perSecond(b.netRx),
    netTxRate: perSecond(b.netTx),
    blkReadRate: perSecond(b.blkRead),
    blkWriteRate: perSecond(b.blkWrite),
    restarts: b.restarts,
    diskBytes: b.diskBytes,
  };
}

function addPoints(a: SeriesPoint, b: SeriesPoint): SeriesPoint {
  return {
    t: a.t,
    cpuPercent: a.cpuPercent + b.cpuPercent,
    memoryBytes: a.memoryBytes + b.memoryBytes,
    memoryLimitBytes: a.memoryLimitBytes + b.memoryLimitBytes,
    netRxRate: a.netRxRate + b.netRxRate,
    netTxRate: a.netTxRate + b.netTxRate,
    blkReadRate: a.blkReadRate + b.blkReadRate,
    blkWriteRate: a.blkWriteRate + b.blkWriteRate,
    restarts: a.restarts + b.restarts,
    diskBytes: a.diskBytes === null && b.diskBytes === null ? null : (a.diskBytes ?? 0) + (b.diskBytes ?? 0),
  };
}

function usageLine(service: ServiceEntry, total: Bucket | undefined): UsageLine {
  const hours = (ms: number) => ms / 3_600_000;
  return {
    serviceId: service.serviceId,
    serviceName: service.serviceName,
    kind: service.kind,
    cpuHours: total ? hours(total.cpuMs) : 0,
    // The average memory over the covered time, times that time.
    memoryGbHours: total ? (total.memoryAvg / 1e9) * hours(total.spanMs) : 0,
    egressBytes: total?.netTx ?? 0,
    ingressBytes: total?.netRx ?? 0,
    diskBytes: total?.diskBytes ?? 0,
  };
}
