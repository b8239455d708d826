/**
 * What the developer commands print: words for people by default, one JSON document with --json (for
 * scripts). A progress line (the deploy phase and the time so far) is drawn only when stdout is a
 * terminal; piped output gets plain lines, no colours, no carriage returns.
 */
import type { Writable } from 'node:stream';

export interface OutputStreams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
}

export class Output {
  private progressText: string | undefined;
  readonly isTty: boolean;

  constructor(
    private readonly streams: OutputStreams,
    readonly isJson: boolean,
  ) {
    this.isTty = streams.stdout.isTTY === true && !isJson;
  }

  /** A line for people (nothing with --json). */
  say(text: string): void {
    if (this.isJson) return;
    this.clearProgress();
    this.streams.stdout.write(`${text}\n`);
    this.drawProgress();
  }

  /** The one JSON document of a --json run. */
  json(value: unknown): void {
    if (this.isJson) this.streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON value per line (a followed stream with --json). */
  jsonLine(value: unknown): void {
    if (this.isJson) this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Always to stderr, also with --json: warnings and errors. */
  warn(text: string): void {
    this.clearProgress();
    this.streams.stderr.write(`${text}\n`);
    this.drawProgress();
  }

  /** The status line under the streamed log, on a terminal only. */
  progress(text: string | undefined): void {
    if (!this.isTty) return;
    this.clearProgress();
    this.progressText = text;
    this.drawProgress();
  }

  private clearProgress(): void {
    if (this.isTty && this.progressText !== undefined) this.streams.stdout.write('\r\x1b[2K');
  }

  private drawProgress(): void {
    if (this.isTty && this.progressText !== undefined) this.streams.stdout.write(this.progressText);
  }
}
