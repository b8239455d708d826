/**
 * Deployment logs: one append-only file per deployment under the data dir, plus live subscribers so the
 * panel and the API can follow a running deployment. Nothing is buffered in memory beyond one line.
 */
import { EventEmitter } from 'node:events';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../errors.js';
import { sanitizeLine } from '../lib/log-sanitize.js';
import { secretForms } from '../lib/redact.js';

/** Default cap of one deployment's log on disk (BERTH_DEPLOY_LOG_MAX_MB). */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;

const ID = /^dep_[0-9a-z]{1,40}$/;
const TRUNCATED_MARK = '[log truncated at';

function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

export interface LogWriter {
  line(text: string): void;
  /**
   * Adds secret values to redact from every later line, in every form they are commonly printed in
   * (raw, percent-encoded, base64). Pass secrets only: plain configuration stays readable.
   */
  addSecrets(values: string[]): void;
  close(): Promise<void>;
}

export class DeploymentLogStore {
  private readonly live = new EventEmitter();
  private readonly open = new Set<string>();

  constructor(
    private readonly dir: string,
    /** A log stops growing at this size, with a last line that says so (a build printing forever cannot fill the disk). */
    private readonly maxBytes = DEFAULT_LOG_MAX_BYTES,
  ) {
    this.live.setMaxListeners(0);
  }

  private fileOf(deploymentId: string): string {
    // Only ids we generate reach the file system: the path can never be chosen by a client.
    if (!ID.test(deploymentId)) throw new AppError('NOT_FOUND', 'No such deployment log.');
    return join(this.dir, `${deploymentId}.log`);
  }

  writer(deploymentId: string): LogWriter {
    const file = this.fileOf(deploymentId);
    // Line numbers let followers tell which live lines the file already held when they read it.
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
    let lineNumber = existing === '' ? 0 : existing.split('\n').length - 1;
    let bytes = Buffer.byteLength(existing);
    let isTruncated = existing.includes(TRUNCATED_MARK);
    // Written synchronously: a line a follower has been told about is always in the file already.
    const fd = openSync(file, 'a', 0o600);
    const secrets: string[] = [];
    let isClosed = false;
    this.open.add(deploymentId);
    const write = (line: string) => {
      writeSync(fd, `${line}\n`);
      bytes += Buffer.byteLength(line) + 1;
      this.live.emit(deploymentId, ++lineNumber, line);
    };
    return {
      line: (text) => {
        // A late line (e.g. a cleanup message) must not write to a closed file; a full log takes no more.
        if (isClosed || isTruncated) return;
        const line = `${new Date().toISOString().slice(11, 19)} ${sanitizeLine(text, secrets)}`;
        if (bytes + Buffer.byteLength(line) + 1 > this.maxBytes) {
          isTruncated = true;
          write(`${new Date().toISOString().slice(11, 19)} ${TRUNCATED_MARK} ${formatSize(this.maxBytes)}]`);
          return;
        }
        write(line);
      },
      addSecrets: (values) => secrets.push(...values.flatMap(secretForms)),
      close: async () => {
        if (isClosed) return;
        isClosed = true;
        this.open.delete(deploymentId);
        this.live.emit(`${deploymentId}:end`);
        closeSync(fd);
      },
    };
  }

  isLive(deploymentId: string): boolean {
    return this.open.has(deploymentId);
  }

  /** Every stored line, oldest first (bounded by `limit` from the end). */
  async read(deploymentId: string, limit = 5000): Promise<string[]> {
    return (await this.readCounted(deploymentId, limit)).lines;
  }

  private async readCounted(deploymentId: string, limit: number): Promise<{ lines: string[]; total: number }> {
    const file = this.fileOf(deploymentId);
    if (!existsSync(file)) return { lines: [], total: 0 };
    const lines: string[] = [];
    let total = 0;
    for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      total++;
      lines.push(line);
      if (lines.length > limit) lines.shift();
    }
    return { lines, total };
  }

  /**
   * Sends stored lines, then live ones until the deployment's log closes or the signal aborts.
   * Lines written while the file is being read are held back and sent after it, so none is lost.
   */
  async follow(deploymentId: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const pending: Array<{ lineNumber: number; line: string }> = [];
    let isReplaying = true;
    const onLive = (lineNumber: number, line: string) =>
      isReplaying ? pending.push({ lineNumber, line }) : onLine(line);
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
    const stored = await this.readCounted(deploymentId, 5000);
    for (const line of stored.lines) onLine(line);
    isReplaying = false;
    // Live lines the file did not hold yet when it was read (still in the write buffer, or written after).
    for (const entry of pending) if (entry.lineNumber > stored.total) onLine(entry.line);
    await ended;
  }
}
