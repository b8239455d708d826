/** A run's output as kept: whole lines, the newest ones, within a byte budget, with secret values hidden. Pure. */
import { redactSecrets, secretForms } from '../lib/redact.js';

export class BoundedLog {
  private readonly lines: string[] = [];
  private bytes = 0;
  private dropped = 0;

  constructor(private readonly maxBytes: number) {}

  push(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.bytes > this.maxBytes && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.dropped++;
    }
  }

  /** The kept text; says how many earlier lines were left out, and hides every form of each secret. */
  text(secrets: readonly string[] = []): string {
    // One line longer than the budget keeps its end.
    const body = this.lines.join('\n').slice(-this.maxBytes);
    const head = this.dropped > 0 ? `[${this.dropped} earlier line(s) not kept]\n` : '';
    return head + redactSecrets(body, secrets.flatMap(secretForms));
  }
}
