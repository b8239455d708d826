/**
 * The link to the Docker engine: knows whether it is up, keeps re-pinging while it is down, and is
 * the single path every engine call takes. `call()` turns "cannot reach the engine" into AppError
 * DOCKER_UNAVAILABLE (flipping the state at once) and anything else into DOCKER_ERROR, so callers
 * never see a raw dockerode error. AppErrors raised by the work itself (a failed build) pass through.
 */
import type { DockerEndpoint } from '../../config.js';
import { AppError, isAppError } from '../../errors.js';
import type { EngineState } from '../runtime.js';
import { createDockerClient, type DockerClient } from './client.js';
import { asFailure, engineMessage, isConnectionError, type DockerFailure } from './failures.js';

/** The slice of a pino logger we use, so tests can pass a plain object. */
export interface RuntimeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EngineConnectionOptions {
  logger?: RuntimeLogger;
  /** How often to re-ping while the engine is down. */
  reconnectIntervalMs?: number;
  /** How often to ping while the engine is up (default 15 s); failed calls flip the state sooner. */
  healthyIntervalMs?: number;
}

/** A ping that takes longer than this means the engine is as good as gone. */
const PING_TIMEOUT_MS = 3_000;
/** A ping younger than this is current enough for refresh(). */
const FRESH_MS = 1_000;
/** Socket idle limit for real work: above any stop grace period we use, but a hung engine can't hang us forever. */
const API_TIMEOUT_MS = 120_000;

/** Which client a call needs: request/response work, or a long stream that may be silent for minutes. */
export type CallKind = 'api' | 'stream';

export class EngineConnection {
  private readonly clients: Record<CallKind, DockerClient>;
  private readonly probeClient: DockerClient;
  private readonly where: string;
  private readonly logger: RuntimeLogger | undefined;
  private readonly reconnectIntervalMs: number;
  private readonly healthyIntervalMs: number;
  private current: EngineState = { available: false, since: new Date().toISOString(), reason: 'not checked yet' };
  private checked = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private lastProbeAt = 0;
  private refreshing: Promise<EngineState> | undefined;

  constructor(endpoint: DockerEndpoint, options: EngineConnectionOptions = {}) {
    this.clients = {
      api: createDockerClient(endpoint, API_TIMEOUT_MS),
      // Builds and followed logs end by their AbortSignal, never by an idle timer.
      stream: createDockerClient(endpoint, undefined),
    };
    this.probeClient = createDockerClient(endpoint, PING_TIMEOUT_MS);
    this.where = endpoint.kind === 'socket' ? endpoint.socketPath : `tcp://${endpoint.host}:${endpoint.port}`;
    this.logger = options.logger;
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? 5_000;
    // While up, a slow heartbeat is enough: failed calls flip the state immediately anyway.
    this.healthyIntervalMs = options.healthyIntervalMs ?? 15_000;
  }

  state(): EngineState {
    return this.current;
  }

  /**
   * The engine state as of now: pings unless a ping ended in the last FRESH_MS (concurrent callers share
   * one ping), so a health check never reports a state up to one heartbeat old.
   */
  refresh(): Promise<EngineState> {
    if (this.refreshing) return this.refreshing;
    if (Date.now() - this.lastProbeAt < FRESH_MS) return Promise.resolve(this.current);
    this.refreshing = this.probe()
      .then(() => this.current)
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.probe();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs one piece of engine work with the failure mapping described at the top of this file. */
  async call<T>(action: string, work: (docker: DockerClient) => Promise<T>, kind: CallKind = 'api'): Promise<T> {
    let result: T;
    try {
      result = await work(this.clients[kind]);
    } catch (err) {
      if (isAppError(err)) throw err;
      throw this.toAppError(action, err);
    }
    this.markAvailable();
    return result;
  }

  private toAppError(action: string, err: unknown): AppError {
    const failure = asFailure(err);
    if (isConnectionError(failure)) {
      const reason = this.describe(failure);
      this.markUnavailable(reason);
      return new AppError('DOCKER_UNAVAILABLE', `Docker is unavailable: ${reason}`, { cause: err });
    }
    return new AppError('DOCKER_ERROR', `Docker could not ${action}: ${engineMessage(failure)}`, { cause: err });
  }

  /** Pings once and schedules the next ping; never throws. */
  private async probe(): Promise<void> {
    try {
      await this.probeClient.ping();
      this.lastProbeAt = Date.now();
      this.markAvailable();
    } catch (err) {
      this.lastProbeAt = Date.now();
      const failure = asFailure(err);
      this.markUnavailable(
        isConnectionError(failure)
          ? this.describe(failure)
          : `the engine answered the ping with an error: ${failure.message}`,
      );
    }
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    const delay = this.current.available ? this.healthyIntervalMs : this.reconnectIntervalMs;
    this.timer = setTimeout(() => void this.probe(), delay);
    // The watcher alone must never keep the process alive.
    this.timer.unref();
  }

  private markAvailable(): void {
    if (this.current.available) return;
    this.checked = true;
    this.current = { available: true, since: new Date().toISOString() };
    this.logger?.info({ docker: this.where }, 'Docker engine is available');
    this.schedule();
  }

  private markUnavailable(reason: string): void {
    // Log the transition only, not every failed ping while the engine stays down.
    if (this.checked && !this.current.available) return;
    this.checked = true;
    this.current = { available: false, since: new Date().toISOString(), reason };
    this.logger?.warn({ docker: this.where, reason }, 'Docker engine is unavailable');
    // Re-ping at the fast reconnect pace rather than waiting out the healthy interval.
    this.schedule();
  }

  /** Plain words for a connection failure, shown to people in the panel. */
  private describe(err: DockerFailure): string {
    switch (err.code) {
      case 'ENOENT':
        return `no Docker socket at ${this.where} (is Docker installed and running?)`;
      case 'ECONNREFUSED':
        return `nothing is accepting connections at ${this.where} (is the Docker daemon running?)`;
      case 'EACCES':
      case 'EPERM':
        return `permission denied on ${this.where} (is this user allowed to use Docker?)`;
      case 'ECONNRESET':
      case 'EPIPE':
        return `the connection to ${this.where} was closed or timed out`;
      case 'ETIMEDOUT':
        return `timed out connecting to ${this.where}`;
      default:
        return `cannot reach ${this.where} (${err.code ?? err.name}: ${err.message})`;
    }
  }
}
