/**
 * A proxy worker's side of the request accounting (process mode). The worker counts with the same
 * accounting code as the inline proxy (injected: TrafficAccounting); this takes what it counted once a
 * second and sends it to the supervisor over cluster IPC, together with the access-log lines, which wait
 * in a bounded queue (the oldest drop, counted) instead of going to the worker's stdout. Nothing here
 * runs per request except queueing an access-log line.
 */
import { BoundedQueue } from './bounded-queue.js';
import {
  MAX_ACCESS_LINE_CHARS,
  MAX_BATCH_ACCESS_LINES,
  toWireLogEntry,
  toWireWindow,
  type TrafficBatch,
  type WorkerAccounting,
} from './traffic-batch.js';

export const WORKER_FLUSH_MS = 1_000;

export class WorkerTraffic {
  private readonly access = new BoundedQueue<string>(MAX_BATCH_ACCESS_LINES / 2);
  private accessTooLong = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly accounting: WorkerAccounting,
    private readonly send: (batch: TrafficBatch, done?: () => void) => void,
  ) {}

  start(everyMs = WORKER_FLUSH_MS): void {
    this.timer = setInterval(() => this.flush(), everyMs);
    this.timer.unref();
  }

  /** One access-log line as the access logger wrote it (newline included). */
  readonly accessLine = (line: string): void => {
    const end = line.endsWith('\n') ? line.length - 1 : line.length;
    if (end > MAX_ACCESS_LINE_CHARS) this.accessTooLong++;
    else this.access.push(end === line.length ? line : line.slice(0, end));
  };

  /** Sends what was counted since the last flush (nothing when there was nothing). */
  flush(done?: () => void): void {
    const windows = this.accounting.takeWindows().map(toWireWindow);
    const log = this.accounting.takeLogEntries().map(toWireLogEntry);
    const access = this.access.take();
    const accessDropped = access.dropped + this.accessTooLong;
    this.accessTooLong = 0;
    if (windows.length === 0 && log.length === 0 && access.items.length === 0 && accessDropped === 0) {
      done?.();
      return;
    }
    this.send({ windows, log, access: access.items, accessDropped }, done);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
