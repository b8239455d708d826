/**
 * The daemon's side of the request accounting in process mode: once a second it takes what the proxy's
 * workers counted (`traffic.take` on the control channel), checks it (traffic-batch.ts) and feeds it into
 * the same stores the inline proxy feeds (the traffic feature's accounting: HTTP metrics, request log,
 * the 10 s samples the autoscaler reads) and writes the access-log lines like the inline access log.
 * While the daemon is down the proxy keeps adding up counts and keeps the newest log lines (bounded);
 * a batch taken but not yet written when the daemon stops is lost.
 */
import type { Logger } from '../../logger.js';
import { fromWireLogEntry, fromWireWindow, parseTrafficBatch, type RemoteTrafficSink } from './traffic-batch.js';

export const PULL_MS = 1_000;
const WARN_EVERY_MS = 60_000;

export class TrafficPull {
  private timer: NodeJS.Timeout | undefined;
  private isPulling = false;
  private lastWarningAt = 0;

  constructor(
    /** Asks the proxy; undefined when not connected. */
    private readonly take: () => Promise<unknown>,
    private readonly sink: RemoteTrafficSink,
    private readonly writeAccess: (lines: readonly string[]) => void,
    private readonly logger: Logger,
  ) {}

  start(everyMs = PULL_MS): void {
    this.timer = setInterval(() => void this.pull(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One take; never throws (an older proxy without traffic.take, a dropped connection: warned, retried). */
  async pull(): Promise<void> {
    if (this.isPulling) return;
    this.isPulling = true;
    try {
      const raw = await this.take();
      if (raw === undefined) return;
      const batch = parseTrafficBatch(raw);
      for (const window of batch.windows) this.sink.addWindow(fromWireWindow(window));
      for (const entry of batch.log) this.sink.addLogEntry(fromWireLogEntry(entry));
      this.writeAccess(batch.access);
      if (batch.accessDropped > 0) this.warn({ dropped: batch.accessDropped }, 'the proxy dropped access-log lines');
    } catch (error) {
      this.warn({ reason: (error as Error).message }, 'could not take the request accounting from the proxy');
    } finally {
      this.isPulling = false;
    }
  }

  private warn(details: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) return;
    this.lastWarningAt = now;
    this.logger.warn(details, message);
  }
}
