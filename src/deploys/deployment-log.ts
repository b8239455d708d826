/**
 * Deployment logs: one append-only file per deployment under the data dir, plus live subscribers so the
 * panel and the API can follow a running deployment. Nothing is buffered in memory beyond one line.
 */
import { EventEmitter } from 'node:events';
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../errors.js';
import { sanitizeLine } from '../lib/log-sanitize.js';

const ID = /^dep_[0-9a-z]{1,40}$/;

export interface LogWriter {
  line(text: string): void;
  /** Adds values to redact from every later line (e.g. variables once they are resolved). */
  addSecrets(values: string[]): void;
  close(): Promise<void>;
}

export class DeploymentLogStore {
  private readonly live = new EventEmitter();
  private readonly open = new Set<string>();

  constructor(private readonly dir: string) {
    this.live.setMaxListeners(0);
  }

  private fileOf(deploymentId: string): string {
    // Only ids we generate reach the file system: the path can never be chosen by a client.
    if (!ID.test(deploymentId)) throw new AppError('NOT_FOUND', 'No such deployment log.');
    return join(this.dir, `${deploymentId}.log`);
  }

  writer(deploymentId: string): LogWriter {
    const stream: WriteStream = createWriteStream(this.fileOf(deploymentId), { flags: 'a', mode: 0o600 });
    const secrets: string[] = [];
    this.open.add(deploymentId);
    return {
      line: (text) => {
        const line = `${new Date().toISOString().slice(11, 19)} ${sanitizeLine(text, secrets)}`;
        stream.write(`${line}\n`);
        this.live.emit(deploymentId, line);
      },
      addSecrets: (values) => secrets.push(...values),
      close: () =>
        new Promise<void>((resolve) => {
          this.open.delete(deploymentId);
          this.live.emit(`${deploymentId}:end`);
          stream.end(resolve);
        }),
    };
  }

  isLive(deploymentId: string): boolean {
    return this.open.has(deploymentId);
  }

  /** Every stored line, oldest first (bounded by `limit` from the end). */
  async read(deploymentId: string, limit = 5000): Promise<string[]> {
    const file = this.fileOf(deploymentId);
    if (!existsSync(file)) return [];
    const lines: string[] = [];
    for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      lines.push(line);
      if (lines.length > limit) lines.shift();
    }
    return lines;
  }

  /**
   * Sends stored lines, then live ones until the deployment's log closes or the signal aborts.
   * Lines written while the file is being read are held back and sent after it, so none is lost.
   */
  async follow(deploymentId: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const pending: string[] = [];
    let isReplaying = true;
    const onLive = (line: string) => (isReplaying ? pending.push(line) : onLine(line));
    const ended = new Promise<void>((resolve) => {
      const finish = () => {
        this.live.off(deploymentId, onLive);
        this.live.off(`${deploymentId}:end`, finish);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      this.live.on(`${deploymentId}:end`, finish);
      signal?.addEventListener('abort', finish);
      if (!this.isLive(deploymentId)) queueMicrotask(finish);
    });
    this.live.on(deploymentId, onLive);
    const stored = await this.read(deploymentId);
    for (const line of stored) onLine(line);
    isReplaying = false;
    for (const line of pending.filter((l) => !stored.includes(l))) onLine(line);
    await ended;
  }
}
