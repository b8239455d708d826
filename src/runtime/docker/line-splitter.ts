/**
 * Turns a byte stream into lines: UTF-8 safe across chunk boundaries, "\r\n" and "\n" both end a line,
 * and a carriage return inside a line keeps only what follows it (what a terminal would show after a
 * progress bar redraw). A line longer than `maxLineChars` is emitted in pieces, so memory stays
 * bounded whatever the other side sends.
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_LINE_CHARS = 16 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineChars: number = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline = this.pending.indexOf('\n');
    while (newline !== -1) {
      this.emit(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
    while (this.pending.length > this.maxLineChars) {
      this.emit(this.pending.slice(0, this.maxLineChars));
      this.pending = this.pending.slice(this.maxLineChars);
    }
  }

  /** Emits what is left (a last line without a newline). */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }

  private emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lastReturn = line.lastIndexOf('\r');
    this.onLine(lastReturn === -1 ? line : line.slice(lastReturn + 1));
  }
}
