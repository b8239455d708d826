/**
 * Turns git's stderr (progress counters redrawn with "\r", messages ended by "\n") into log lines:
 * secrets redacted, control characters removed, and counter redraws thinned to one per second per
 * stream so a large clone does not write thousands of "Receiving objects: 12%" lines.
 */
import { redactSecrets } from '../lib/redact.js';

const REDRAW_INTERVAL_MS = 1_000;
const MAX_PENDING = 8 * 1024;
/** Terminal escape sequences (ESC [ ... letter), then any control character left. */
const ESCAPE_SEQUENCE = /\p{Cc}\[[0-9;?]*[A-Za-z]/gu;
const CONTROL = /\p{Cc}/gu;

export class GitProgressLog {
  private pending = '';
  private lastRedrawAt = 0;
  /** Everything seen (redacted, capped), for the error message when git fails. */
  private transcript = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly secrets: readonly string[],
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.pending + chunk.toString();
    const lineEnd = /([^\r\n]*)(\r\n|\n|\r)/g;
    let consumed = 0;
    for (let match = lineEnd.exec(text); match; match = lineEnd.exec(text)) {
      consumed = lineEnd.lastIndex;
      this.line(match[1]!, match[2] === '\r');
    }
    this.pending = text.slice(consumed);
    if (this.pending.length > MAX_PENDING) this.flush();
  }

  flush(): void {
    if (this.pending) this.line(this.pending, false);
    this.pending = '';
  }

  output(): string {
    return this.transcript;
  }

  private line(raw: string, isRedraw: boolean): void {
    const text = redactSecrets(raw.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, ''), this.secrets).trimEnd();
    if (!text.trim()) return;
    if (isRedraw && !/done\.?$/.test(text)) {
      const now = Date.now();
      if (now - this.lastRedrawAt < REDRAW_INTERVAL_MS) return;
      this.lastRedrawAt = now;
    }
    this.transcript = `${this.transcript}${text}\n`.slice(-16 * 1024);
    this.emit(text);
  }
}
