/**
 * The proxy's supervisor (the node:cluster primary): it keeps the state (validated, persisted atomically
 * after every change, read back at its own start), forks the workers and replaces one that dies, fans
 * every change out to them in order, sums their in-flight counts for drain queries, and serves the
 * control socket. It accepts no traffic itself (with the kernel balance, workers accept directly). It
 * does not stop when the daemon goes away: only SIGTERM/SIGINT stop it, workers first. An `upgrade`
 * request (or SIGHUP) replaces the workers with ones forked from the code on disk, the sockets kept
 * (proxy-handover.ts); the supervisor itself keeps running its own code until the proxy is restarted.
 */
import cluster, { type Worker } from 'node:cluster';
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { VERSION } from '../../version.js';
import type { DrainAnswer, Request, StateChange } from './control-protocol.js';
import { listenControl } from './control-server.js';
import {
  ensureProxyDir,
  proxyFiles,
  readOrCreateToken,
  readState,
  writeState,
  type ProxyFiles,
} from './proxy-files.js';
import { handOver } from './proxy-handover.js';
import type { FromWorker, ToWorker } from './proxy-worker.js';
import { ProxyStateStore } from './proxy-state-store.js';
import { TrafficAggregator } from './traffic-aggregator.js';

const RESPAWN_DELAY_MS = 500;
const INFLIGHT_QUERY_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 10_000;
/** A handover: how long new workers get to listen (a start from the sources on a busy machine is slow). */
const HANDOVER_READY_TIMEOUT_MS = 120_000;

export class ProxySupervisor {
  private readonly store = new ProxyStateStore();
  /** What the workers counted, until the daemon takes it (traffic.take). */
  private readonly traffic = new TrafficAggregator();
  private readonly files: ProxyFiles;
  private readonly workers = new Set<Worker>();
  private readonly inflightQueries = new Map<number, { pending: number; sum: number; done: () => void }>();
  private nextQueryId = 1;
  private control: Server | undefined;
  private isStopping = false;
  /** Workers on their way out (a handover): not replaced when they exit. */
  private readonly retired = new WeakSet<Worker>();
  /** The code version each worker said it runs. */
  private readonly versions = new WeakMap<Worker, string>();
  private upgrading: Promise<void> | undefined;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.files = proxyFiles(config.dataDir);
  }

  async start(): Promise<void> {
    ensureProxyDir(this.files);
    const token = readOrCreateToken(this.files);
    const kept = readState(this.files, (error) =>
      this.logger.warn({ err: error }, 'the kept proxy state cannot be read; starting empty'),
    );
    this.store.apply({ type: 'snapshot', state: kept });
    // Set before the first fork: how the shared listening sockets reach the workers.
    cluster.schedulingPolicy = this.config.proxyProcess.balance === 'kernel' ? cluster.SCHED_NONE : cluster.SCHED_RR;
    this.control = await listenControl(
      this.files.socket,
      token,
      (request) => this.handle(request),
      this.logger,
      () => this.versionInfo(),
    );
    writeFileSync(this.files.pid, `${process.pid}\n`, { mode: 0o600 });
    for (let i = 0; i < this.config.proxyProcess.workers; i++) this.fork();
    this.logger.info(
      {
        workers: this.config.proxyProcess.workers,
        balance: this.config.proxyProcess.balance,
        routes: kept.routes.length,
      },
      'proxy supervisor started',
    );
  }

  async stop(): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    this.control?.close();
    const exits = Object.values(cluster.workers ?? {}).map(
      (worker) => new Promise((resolve) => worker?.once('exit', resolve)),
    );
    for (const worker of Object.values(cluster.workers ?? {})) if (worker) this.send(worker, { kind: 'close' });
    const grace = setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(grace);
    rmSync(this.files.pid, { force: true });
    rmSync(this.files.socket, { force: true });
  }

  /**
   * Replaces every worker with one forked from the code on disk now, the listening sockets kept
   * (proxy-handover.ts); a failed start keeps the old workers. One at a time; never while stopping.
   */
  upgrade(): Promise<void> {
    if (this.isStopping) return Promise.resolve();
    this.upgrading ??= this.handOver().finally(() => (this.upgrading = undefined));
    return this.upgrading;
  }

  private async handOver(): Promise<void> {
    const old = this.currentWorkers();
    this.logger.info({ from: this.versionInfo().version, workers: old.length }, 'proxy upgrade: starting new workers');
    try {
      const started = await handOver(old, {
        count: this.config.proxyProcess.workers,
        fork: () => this.fork(),
        retire: (worker) => this.retired.add(worker),
        readyTimeoutMs: HANDOVER_READY_TIMEOUT_MS,
        drainBoundMs: this.config.proxy.keepAliveTimeoutMs + 1_000,
        killGraceMs: STOP_GRACE_MS,
      });
      this.logger.info(
        { version: this.versionInfo().version, pids: started.map((worker) => worker.process.pid) },
        'proxy upgrade: new workers listen; the old ones drain',
      );
    } catch (error) {
      this.logger.error({ reason: (error as Error).message }, 'proxy upgrade failed; the old workers keep serving');
    }
  }

  private currentWorkers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && !this.retired.has(worker),
    );
  }

  /** The workers' code version (the newest generation), the supervisor's own, and the worker pids. */
  private versionInfo(): { version: string; supervisorVersion: string; workerPids: number[] } {
    const current = this.currentWorkers();
    const version = current.map((worker) => this.versions.get(worker)).find((known) => known !== undefined);
    return {
      version: version ?? VERSION,
      supervisorVersion: VERSION,
      workerPids: current.map((worker) => worker.process.pid ?? 0),
    };
  }

  private fork(): Worker {
    const worker = cluster.fork();
    worker.on('message', (message: FromWorker) => {
      if (message.kind !== 'ready') return this.onWorkerMessage(message);
      if (message.version) this.versions.set(worker, message.version);
      // IPC is ordered: the snapshot goes first, every later change after it (only ready workers get changes).
      this.workers.add(worker);
      this.send(worker, { kind: 'change', change: { type: 'snapshot', state: this.store.snapshot() } });
    });
    worker.on('exit', (code, signal) => {
      this.workers.delete(worker);
      for (const query of this.inflightQueries.values()) query.done();
      if (this.isStopping || this.retired.has(worker)) return;
      this.logger.error({ pid: worker.process.pid, code, signal }, 'a proxy worker exited; starting another');
      setTimeout(() => this.isStopping || this.fork(), RESPAWN_DELAY_MS).unref();
    });
    return worker;
  }

  private onWorkerMessage(message: FromWorker): void {
    if (message.kind === 'traffic') {
      this.traffic.add(message.batch);
    } else if (message.kind === 'inflight') {
      const query = this.inflightQueries.get(message.queryId);
      if (!query) return;
      query.sum += message.count;
      if (--query.pending === 0) query.done();
    } else if (message.kind === 'change-failed') {
      this.logger.error({ reason: message.reason }, 'a proxy worker could not apply a change');
    }
  }

  private async handle(request: Request): Promise<Record<string, unknown>> {
    switch (request.type) {
      case 'hello':
        return {};
      case 'status':
        return {
          pid: process.pid,
          workers: this.workers.size,
          routes: this.store.routes.routes().length,
          upgrading: this.upgrading !== undefined,
          ...this.versionInfo(),
        };
      case 'upgrade':
        // Answered at once: this connection's later changes must not wait for the new workers.
        void this.upgrade();
        return { upgrading: true };
      case 'drained':
        return { ...(await this.drainState(request.upstreamIds)) };
      case 'traffic.take':
        return { batch: this.traffic.take() };
      default:
        return this.change(request);
    }
  }

  /** Validates and applies, keeps it on disk, then tells every worker. */
  private change(change: StateChange): Record<string, unknown> {
    const { v: _v, id: _id, ...bare } = change as StateChange & { v?: number; id?: number };
    this.store.apply(bare as StateChange);
    try {
      writeState(this.files, this.store.snapshot());
    } catch (error) {
      this.logger.error({ err: error }, 'could not keep the proxy state on disk');
    }
    for (const worker of this.workers) this.send(worker, { kind: 'change', change: bare as StateChange });
    return {};
  }

  private drainState(upstreamIds: string[]): Promise<DrainAnswer> {
    const routed = upstreamIds.filter((id) => this.store.routes.isRouted(id)).length;
    const live = [...this.workers].filter((worker) => worker.isConnected());
    if (live.length === 0) return Promise.resolve({ inflight: 0, routed });
    const queryId = this.nextQueryId++;
    return new Promise<DrainAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inflightQueries.delete(queryId);
        reject(new AppError('INTERNAL', 'the proxy workers did not answer the in-flight query in time'));
      }, INFLIGHT_QUERY_TIMEOUT_MS);
      const query = {
        pending: live.length,
        sum: 0,
        done: () => {
          clearTimeout(timer);
          this.inflightQueries.delete(queryId);
          resolve({ inflight: query.sum, routed });
        },
      };
      this.inflightQueries.set(queryId, query);
      for (const worker of live) this.send(worker, { kind: 'inflight', queryId, upstreamIds });
    });
  }

  private send(worker: Worker, message: ToWorker): void {
    if (worker.isConnected()) worker.send(message);
  }
}
