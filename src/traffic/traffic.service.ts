/**
 * The traffic feature: drains the proxy's accounting into SQLite on timers (metric windows every 10 s,
 * the request log every second), rolls 10 s samples up into hours, enforces retention, and answers the
 * queries of the API, the panel and the charts. The proxy's hot path never waits on any of this.
 */
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import type { RequestObserver } from '../proxy/request-observer.js';
import { TrafficAccounting } from './traffic-accounting.js';
import * as repo from './traffic.repository.js';
import { buildSeries, mergeSamples, type TrafficSeries } from './traffic-series.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

export interface TrafficOptions {
  /** How often metric windows are written (and so the finest resolution). */
  windowMs: number;
  /** How often buffered request-log entries are written. */
  logFlushMs: number;
  /**
   * Request-log entries held in memory between writes (so at most this many rows per second); more are
   * dropped and counted. Above it, the row cap per service would keep only seconds of history anyway,
   * while writing costs the busy proxy's thread.
   */
  logBufferEntries: number;
  /** Request-log rows kept per service (the newest; enforced on every write)… */
  logKeepRows: number;
  /** …and for at most this long. */
  logKeepMs: number;
  /** 10 s samples are kept this long, hourly ones this long. */
  fineKeepMs: number;
  hourKeepMs: number;
  /** How often roll-up and retention run. */
  maintenanceMs: number;
}

export const DEFAULT_TRAFFIC_OPTIONS: TrafficOptions = {
  windowMs: 10 * SECOND,
  logFlushMs: SECOND,
  logBufferEntries: 1000,
  logKeepRows: 20_000,
  logKeepMs: 7 * DAY,
  fineKeepMs: 2 * DAY,
  hourKeepMs: 90 * DAY,
  maintenanceMs: 10 * 60 * SECOND,
};

/** Ranges the panel and API offer, and the step of their points. */
export const TRAFFIC_RANGES = {
  '1h': { rangeMs: HOUR, stepMs: 60 * SECOND },
  '24h': { rangeMs: DAY, stepMs: 30 * 60 * SECOND },
  '7d': { rangeMs: 7 * DAY, stepMs: 6 * HOUR },
  '30d': { rangeMs: 30 * DAY, stepMs: DAY },
} as const;
export type TrafficRange = keyof typeof TRAFFIC_RANGES;

export class TrafficFeature {
  readonly accounting: TrafficAccounting;
  private readonly options: TrafficOptions;
  private windowStart = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Request-log rows written per service since its last trim to the row cap. */
  private readonly uncapped = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: Partial<TrafficOptions> = {},
  ) {
    this.options = { ...DEFAULT_TRAFFIC_OPTIONS, ...options };
    this.accounting = new TrafficAccounting(this.options.logBufferEntries);
  }

  /** Until when the proxy's counts are written as samples (the current window starts here; the autoscaler's signal). */
  get flushedUntil(): number {
    return this.windowStart;
  }

  /** What the proxy reports to. */
  get observer(): RequestObserver {
    return this.accounting;
  }

  start(): void {
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => void this.serially(task), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.windowMs, () => this.flushWindows());
    every(this.options.logFlushMs, () => this.flushLog());
    every(this.options.maintenanceMs, () => this.maintain());
    // Roll up what a stopped daemon left unrolled, soon after start rather than after a full interval.
    const first = setTimeout(() => void this.serially(() => this.maintain()), 30 * SECOND);
    first.unref();
    this.timers.push(first);
  }

  /** Stops the timers and writes what is still in memory. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.flush();
  }

  /** Writes the current window and the buffered request log now (tests, shutdown). */
  flush(): Promise<void> {
    return this.serially(async () => {
      await this.flushLog();
      await this.flushWindows();
    });
  }

  /**
   * A series for a chart or the API: the last `range`, ending now. Several service ids give their sum
   * (a project's or the server's traffic); an empty list gives an all-zero series.
   */
  async series(serviceId: string | readonly string[], range: TrafficRange, now = Date.now()): Promise<TrafficSeries> {
    const { rangeMs, stepMs } = TRAFFIC_RANGES[range];
    const to = Math.ceil(now / stepMs) * stepMs;
    const from = to - rangeMs;
    // Hourly samples cover what the 10 s ones no longer do; short ranges read the fine ones.
    const resolution: repo.Resolution = rangeMs <= this.options.fineKeepMs && stepMs < HOUR ? '10s' : '1h';
    if (typeof serviceId !== 'string' && serviceId.length === 0) return buildSeries([], from, to, stepMs);
    if (resolution === '10s') {
      return buildSeries(await repo.samplesBetween(this.db, serviceId, '10s', from, to), from, to, stepMs);
    }
    // Hourly roll-ups exist for hours that ended before the last maintenance run; the recent part comes from
    // the 10 s samples, from the start of the previous hour on, so a long range is current too.
    const recent = Math.floor(now / HOUR) * HOUR - HOUR;
    const rows = [
      ...(await repo.samplesBetween(this.db, serviceId, '1h', from, Math.min(recent, to))),
      ...(await repo.samplesBetween(this.db, serviceId, '10s', Math.max(recent, from), to)),
    ];
    return buildSeries(rows, from, to, stepMs);
  }

  requestLog(filter: repo.RequestLogFilter): Promise<repo.RequestLogRow[]> {
    return repo.queryRequestLog(this.db, filter);
  }

  /** Hourly roll-up of finished hours, then retention of every table this feature writes. */
  async maintain(now = Date.now()): Promise<void> {
    const currentHour = Math.floor(now / HOUR) * HOUR;
    const oldestFine = now - this.options.fineKeepMs;
    for (const serviceId of await repo.servicesWithFineSamples(this.db, currentHour)) {
      for (let hour = Math.floor(oldestFine / HOUR) * HOUR; hour < currentHour; hour += HOUR) {
        if (await repo.hasHourSample(this.db, serviceId, hour)) continue;
        const rows = await repo.samplesBetween(this.db, serviceId, '10s', hour, hour + HOUR);
        if (rows.length === 0) continue;
        await repo.insertSamples(this.db, '1h', hour, [toWindow(serviceId, mergeSamples(rows))]);
      }
    }
    await repo.deleteSamplesBefore(this.db, '10s', oldestFine);
    await repo.deleteSamplesBefore(this.db, '1h', now - this.options.hourKeepMs);
    await repo.pruneRequestLogBefore(this.db, now - this.options.logKeepMs);
    // Flushes cap the services they write; this catches a cap lowered since (and is cheap when nothing is over).
    for (const serviceId of await repo.requestLogServiceIds(this.db)) {
      await repo.capRequestLog(this.db, serviceId, this.options.logKeepRows);
    }
  }

  private async flushWindows(): Promise<void> {
    const at = this.windowStart;
    this.windowStart = Date.now();
    const windows = this.accounting.takeWindows();
    const known = await repo.existingServiceIds(
      this.db,
      windows.map((w) => w.serviceId),
    );
    await repo.insertSamples(
      this.db,
      '10s',
      at,
      windows.filter((w) => known.has(w.serviceId)),
    );
  }

  private async flushLog(): Promise<void> {
    const entries = this.accounting.takeLogEntries();
    if (entries.length === 0) return;
    const known = await repo.existingServiceIds(this.db, [...new Set(entries.map((e) => e.serviceId))]);
    await repo.insertRequestLog(
      this.db,
      entries.filter((e) => known.has(e.serviceId)),
    );
    // Trimming to the cap walks the service's newest keep rows: done once a tenth of the cap was written
    // since, not on every write (the log may run up to 10 % over its cap in between).
    for (const serviceId of known) {
      const written = (this.uncapped.get(serviceId) ?? 0) + entries.filter((e) => e.serviceId === serviceId).length;
      if (written < Math.max(1, this.options.logKeepRows / 10)) {
        this.uncapped.set(serviceId, written);
        continue;
      }
      this.uncapped.delete(serviceId);
      await repo.capRequestLog(this.db, serviceId, this.options.logKeepRows);
    }
  }

  /** One write at a time: timers never overlap, and a failure is logged, not thrown into a timer. */
  private serially(task: () => Promise<void>): Promise<void> {
    this.writing = this.writing.then(task).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'traffic accounting could not be written');
    });
    return this.writing;
  }
}

function toWindow(serviceId: string, merged: ReturnType<typeof mergeSamples>) {
  return {
    serviceId,
    requests: merged.requests,
    statusClasses: [merged.status2xx, merged.status3xx, merged.status4xx, merged.status5xx] as [
      number,
      number,
      number,
      number,
    ],
    bytesIn: merged.bytesIn,
    bytesOut: merged.bytesOut,
    latency: merged.latency,
    logDropped: merged.logDropped,
  };
}
