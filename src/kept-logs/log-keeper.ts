/**
 * Keeps the output of app containers past their life: every running app container's log is followed from
 * the engine (with the engine's timestamps) and stored per deployment in SQLite, so a deployment's runtime
 * log can still be read, searched and downloaded after a redeploy, a crash or the container's removal.
 *
 * Memory is bounded whatever a container prints: lines wait in one buffer of at most maxBufferedLines /
 * maxBufferedBytes between writes (every flushMs); while it is full, lines are dropped and counted, and a
 * marker line says how many were lost. Each service keeps at most keepLinesPerService lines (oldest go).
 * Lines are cleaned and redacted like the live log (sanitizeLine with the service's variable values), and
 * keep the stream (stdout or stderr) the engine's multiplexed log frames say they came from.
 */
import type { Db } from '../db/connection.js';
import { sanitizeLine } from '../lib/log-sanitize.js';
import type { Logger } from '../logger.js';
import { INSTALL_LABEL, type ContainerSummary, type LogStream, type Runtime } from '../runtime/runtime.js';
import * as repo from './kept-logs.repository.js';
import { LABELS, ROLES, isReleaseContainer } from '../workloads/labels.js';

export interface LogKeeperOptions {
  /** How often the engine is asked which app containers exist (new ones are followed from then on). */
  scanMs: number;
  flushMs: number;
  maxBufferedLines: number;
  maxBufferedBytes: number;
  keepLinesPerService: number;
}

export const DEFAULT_LOG_KEEPER_OPTIONS: LogKeeperOptions = {
  scanMs: 2000,
  flushMs: 1000,
  maxBufferedLines: 5000,
  maxBufferedBytes: 4 * 1024 * 1024,
  keepLinesPerService: 50_000,
};

export interface LogKeeperDeps {
  db: Db;
  runtime: Pick<Runtime, 'listContainers' | 'containerLogs'>;
  logger: Logger;
  /** Variable values of a service, redacted from its output. */
  secretsOf(serviceId: string): Promise<string[]>;
  /** This install's id: only its own containers are read (other Berths may share the engine). */
  installId: string;
}

interface Source {
  serviceId: string;
  deploymentId: string;
  containerId: string;
  replica: repo.KeptReplica;
}

const isAppContainer = (c: ContainerSummary) =>
  Boolean(c.labels[LABELS.deployment] && c.labels[LABELS.service]) && !isReleaseContainer(c.labels);
const isDatabaseContainer = (c: ContainerSummary) =>
  Boolean(c.labels[LABELS.service]) && !c.labels[LABELS.deployment] && c.labels[LABELS.role] === ROLES.database;

/** A web replica's number (`1`), or a worker's process type and replica (`worker.1`, as the live logs say). */
export function keptReplicaOf(labels: Record<string, string>): repo.KeptReplica {
  const replica = Number(labels[LABELS.replica] ?? 1) || 1;
  const process = labels[LABELS.process];
  return process ? `${process}.${replica}` : replica;
}

/** What a database container's lines are stored under in place of a deployment id. */
export function databaseRunId(containerId: string): string {
  return `ctr_${containerId.slice(0, 12)}`;
}

/** "2026-12-02T07:58:00.123456789Z line" → [epoch ms, "line"]; the time the daemon read it when absent. */
function splitTimestamp(raw: string): [number, string] {
  const space = raw.indexOf(' ');
  if (space >= 20 && space <= 40) {
    const at = Date.parse(raw.slice(0, space));
    if (Number.isFinite(at)) return [at, raw.slice(space + 1)];
  }
  return [Date.now(), raw];
}

export class LogKeeper {
  private readonly options: LogKeeperOptions;
  /** Containers being read now, by id. */
  private readonly reading = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** Stopped containers already read to their end (read again only once they ran again). */
  private readonly readWhileStopped = new Set<string>();
  /** The time of the last line kept per container, so a re-read (restart, daemon start) skips what is stored. */
  private readonly lastAt = new Map<string, number>();
  private buffer: repo.KeptLine[] = [];
  /** The batch being written right now (neither buffered nor stored yet). */
  private inFlight: repo.KeptLine[] = [];
  private bufferedBytes = 0;
  private readonly dropped = new Map<string, { source: Source; count: number }>();
  private timers: NodeJS.Timeout[] = [];
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: LogKeeperDeps,
    options: Partial<LogKeeperOptions> = {},
  ) {
    this.options = { ...DEFAULT_LOG_KEEPER_OPTIONS, ...options };
  }

  start(): void {
    void this.scan();
    const scan = setInterval(() => void this.scan(), this.options.scanMs);
    const flush = setInterval(() => void this.flush(), this.options.flushMs);
    scan.unref();
    flush.unref();
    this.timers = [scan, flush];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const { abort } of this.reading.values()) abort.abort();
    await Promise.all([...this.reading.values()].map((r) => r.done));
    await this.flush();
  }

  /** Lines buffered and not yet written (tests and the memory bound). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Starts reading every app container not read yet: followed while it runs, once to its end when stopped. */
  async scan(): Promise<void> {
    if (this.stopped) return;
    let containers: ContainerSummary[];
    try {
      const labels = { [LABELS.managed]: 'true', [INSTALL_LABEL]: this.deps.installId };
      containers = (await this.deps.runtime.listContainers(labels)).filter(
        (c) => isAppContainer(c) || isDatabaseContainer(c),
      );
    } catch (error) {
      this.deps.logger.debug({ err: error }, 'log keeper: the engine did not list containers');
      return;
    }
    const present = new Set(containers.map((c) => c.id));
    for (const id of this.readWhileStopped) if (!present.has(id)) this.readWhileStopped.delete(id);
    for (const id of this.lastAt.keys()) if (!present.has(id) && !this.reading.has(id)) this.lastAt.delete(id);
    for (const c of containers) {
      if (this.reading.has(c.id)) continue;
      const running = c.state === 'running' || c.state === 'restarting';
      if (running) this.readWhileStopped.delete(c.id);
      else if (this.readWhileStopped.has(c.id)) continue;
      else this.readWhileStopped.add(c.id);
      this.read(c, running);
    }
  }

  /** Writes what is buffered now (plus a marker for lines that were dropped), then applies the caps. */
  flush(): Promise<void> {
    this.writing = this.writing
      .then(() => this.write())
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'runtime logs could not be kept'));
    return this.writing;
  }

  private read(c: ContainerSummary, follow: boolean): void {
    const source: Source = {
      serviceId: c.labels[LABELS.service]!,
      deploymentId: c.labels[LABELS.deployment] ?? databaseRunId(c.id),
      containerId: c.id,
      replica: keptReplicaOf(c.labels),
    };
    const abort = new AbortController();
    const done = (async () => {
      const since = this.lastAt.get(c.id) ?? (await repo.lastLineAt(this.deps.db, c.id));
      const secrets = await this.deps.secretsOf(source.serviceId);
      // The engine resumes from a whole second, and stdout and stderr lines are not in timestamp order:
      // what is already stored from that second on is recognised by time and text, not by "older than".
      const resumeFrom = since === undefined ? undefined : Math.floor(since / 1000) * 1000;
      const stored = resumeFrom === undefined ? undefined : await this.storedSince(c.id, resumeFrom);
      await this.deps.runtime.containerLogs(
        c.id,
        {
          follow,
          timestamps: true,
          since: resumeFrom === undefined ? undefined : resumeFrom / 1000,
          // A container met for the first time (e.g. at Berth's first start) may have a long history: only
          // what fits the buffer is worth reading; the rest would be dropped anyway.
          tail: since === undefined ? this.options.maxBufferedLines : undefined,
          signal: abort.signal,
        },
        (raw, stream) => this.accept(source, raw, stream, stored, secrets),
      );
    })()
      .catch((error: unknown) => this.deps.logger.debug({ err: error, container: c.id }, 'log keeper: read ended'))
      .finally(() => this.reading.delete(c.id));
    this.reading.set(c.id, { abort, done });
  }

  /** "<at> <line>" of a container's lines from `from` on: stored, or buffered and not yet written. */
  private async storedSince(containerId: string, from: number): Promise<Set<string>> {
    const lines = await repo.containerLinesSince(this.deps.db, containerId, from);
    const seen = new Set(lines.map((l) => `${l.at} ${l.line}`));
    for (const l of [...this.inFlight, ...this.buffer]) {
      if (l.containerId === containerId && l.at >= from) seen.add(`${l.at} ${l.line}`);
    }
    return seen;
  }

  /** Hot for a chatty container: the drop check comes before any work on the line. */
  private accept(
    source: Source,
    raw: string,
    stream: LogStream,
    stored: Set<string> | undefined,
    secrets: string[],
  ): void {
    if (this.buffer.length >= this.options.maxBufferedLines || this.bufferedBytes >= this.options.maxBufferedBytes) {
      const drops = this.dropped.get(source.containerId);
      if (drops) drops.count++;
      else this.dropped.set(source.containerId, { source, count: 1 });
      return;
    }
    const [at, text] = splitTimestamp(raw);
    const line = sanitizeLine(text, secrets);
    if (stored !== undefined && stored.has(`${at} ${line}`)) return;
    this.lastAt.set(source.containerId, Math.max(at, this.lastAt.get(source.containerId) ?? 0));
    this.buffer.push({ ...source, at, line, stream });
    this.bufferedBytes += line.length * 2 + 100;
  }

  private async write(): Promise<void> {
    const lines = this.buffer;
    this.buffer = [];
    this.bufferedBytes = 0;
    for (const { source, count } of this.dropped.values()) {
      const at = this.lastAt.get(source.containerId) ?? Date.now();
      lines.push({
        ...source,
        at,
        line: `--- ${count} line(s) not kept: the container wrote faster than Berth stores logs`,
        // Berth's own line, from neither output: shown when no stream is picked.
        stream: null,
      });
    }
    this.dropped.clear();
    if (lines.length === 0) return;
    this.inFlight = lines;
    try {
      await repo.insertLines(this.deps.db, lines);
    } finally {
      this.inFlight = [];
    }
    for (const serviceId of new Set(lines.map((l) => l.serviceId))) {
      await repo.capService(this.deps.db, serviceId, this.options.keepLinesPerService);
    }
  }
}
