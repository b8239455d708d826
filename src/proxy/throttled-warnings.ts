/**
 * Warnings about failing upstreams, at most one line per upstream and kind of failure every interval,
 * with the number of similar failures left out since. A crashed app behind a busy hostname would
 * otherwise write one synchronous log line per request, which slows the proxy for every other app.
 */
import type { Logger } from '../logger.js';

export class ThrottledWarnings {
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const last = this.lastLogged.get(key);
    if (last !== undefined && now - last.at < this.intervalMs) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.logger.warn(suppressed > 0 ? { ...fields, similarSinceLastLine: suppressed } : fields, message);
    this.lastLogged.set(key, { at: now, suppressed: 0 });
    // Bounded: entries older than the interval carry nothing worth keeping.
    if (this.lastLogged.size > 1000) {
      for (const [other, entry] of this.lastLogged)
        if (now - entry.at >= this.intervalMs) this.lastLogged.delete(other);
    }
  }
}
