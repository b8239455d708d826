/**
 * Runtime on the Docker engine; the only importer of dockerode. Every engine call goes through
 * `call()`, which turns "cannot reach the engine" into AppError DOCKER_UNAVAILABLE (and flips the
 * state at once) and anything else into DOCKER_ERROR, so callers never see a raw dockerode error.
 */
import Docker from 'dockerode';
import type { DockerEndpoint } from '../config.js';
import { AppError } from '../errors.js';
import type { ContainerDetails, ContainerSpec, ContainerSummary, EngineInfo, EngineState, Runtime } from './runtime.js';

/** The slice of a pino logger we use, so tests can pass a plain object. */
export interface RuntimeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DockerRuntimeOptions {
  logger?: RuntimeLogger;
  /** How often to re-ping while the engine is down. */
  reconnectIntervalMs?: number;
  /** How often to ping while the engine is up (default 15 s); failed calls flip the state sooner. */
  healthyIntervalMs?: number;
}

/** A ping that takes longer than this means the engine is as good as gone. */
const PING_TIMEOUT_MS = 3_000;
/** Socket idle limit for real work: above any stop grace period we use, but a hung engine can't hang us forever. */
const API_TIMEOUT_MS = 120_000;
// Failures that mean "no engine at the other end", as opposed to the engine saying no.
// prettier-ignore
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'EPIPE', 'ECONNRESET', 'ETIMEDOUT',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ABORT_ERR',
]);
// prettier-ignore
const CONTAINER_STATES: readonly ContainerSummary['state'][] = [
  'created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead',
];
/** Docker's "never happened" timestamp. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

type DockerFailure = Error & { code?: string; statusCode?: number; json?: { message?: string } };

function asFailure(err: unknown): DockerFailure {
  return err instanceof Error ? (err as DockerFailure) : new Error(String(err));
}

function isConnectionError(err: DockerFailure): boolean {
  return err.statusCode === undefined && (CONNECTION_ERRORS.has(err.code ?? '') || err.name === 'AbortError');
}

/** Resolves to undefined when the engine answers with `status` (e.g. 404 on inspect); other errors pass through. */
async function unlessStatus<T>(status: number, work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if (asFailure(err).statusCode === status) return undefined;
    throw err;
  }
}

function sum(values: readonly (number | undefined)[]): number {
  // Docker reports -1 for sizes it has not computed; count those as zero.
  return values.reduce<number>((total, v) => total + (typeof v === 'number' && v > 0 ? v : 0), 0);
}

function toState(raw: string | undefined): ContainerSummary['state'] {
  return CONTAINER_STATES.find((s) => s === raw) ?? 'dead';
}

function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

export class DockerRuntime implements Runtime {
  private readonly api: Docker;
  private readonly probeClient: Docker;
  private readonly where: string;
  private readonly logger: RuntimeLogger | undefined;
  private readonly reconnectIntervalMs: number;
  private readonly healthyIntervalMs: number;
  private current: EngineState = {
    available: false,
    since: new Date().toISOString(),
    reason: 'not checked yet',
  };
  private checked = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(endpoint: DockerEndpoint, options: DockerRuntimeOptions = {}) {
    const base =
      endpoint.kind === 'socket'
        ? { socketPath: endpoint.socketPath }
        : { host: endpoint.host, port: endpoint.port, protocol: 'http' as const };
    this.api = new Docker({ ...base, timeout: API_TIMEOUT_MS });
    this.probeClient = new Docker({ ...base, timeout: PING_TIMEOUT_MS });
    this.where = endpoint.kind === 'socket' ? endpoint.socketPath : `tcp://${endpoint.host}:${endpoint.port}`;
    this.logger = options.logger;
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? 5_000;
    // While up, a slow heartbeat is enough: failed calls flip the state immediately anyway.
    this.healthyIntervalMs = options.healthyIntervalMs ?? 15_000;
  }

  state(): EngineState {
    return this.current;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.probe();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async engineInfo(): Promise<EngineInfo> {
    return this.call('read engine info', async (d) => {
      const [info, version, df] = (await Promise.all([d.info(), d.version(), d.df()])) as [
        RawInfo,
        { Version: string; ApiVersion: string },
        RawDf,
      ];
      const images = df.Images ?? [];
      return {
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: info.OperatingSystem,
        kernel: info.KernelVersion,
        architecture: info.Architecture,
        cpus: info.NCPU,
        memoryBytes: info.MemTotal,
        storageDriver: info.Driver,
        containers: {
          total: info.Containers,
          running: info.ContainersRunning,
          paused: info.ContainersPaused,
          stopped: info.ContainersStopped,
        },
        images: info.Images,
        disk: {
          // LayersSize counts shared layers once; summing image sizes would double-count them.
          imagesBytes: typeof df.LayersSize === 'number' ? df.LayersSize : sum(images.map((i) => i.Size)),
          containersBytes: sum((df.Containers ?? []).map((c) => c.SizeRw)),
          volumesBytes: sum((df.Volumes ?? []).map((v) => v.UsageData?.Size)),
          buildCacheBytes: sum((df.BuildCache ?? []).map((b) => b.Size)),
        },
      };
    });
  }

  async hasImage(ref: string): Promise<boolean> {
    return this.call(
      `inspect image ${ref}`,
      async (d) => (await unlessStatus(404, d.getImage(ref).inspect())) !== undefined,
    );
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    return this.call(`create container ${spec.name}`, async (d) => {
      const container = await d.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.cmd,
        Env: spec.env && Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        HostConfig: {
          NetworkMode: spec.network,
          Memory: spec.memoryBytes,
          NanoCpus: spec.nanoCpus,
          RestartPolicy: spec.restartPolicy && { Name: spec.restartPolicy },
        },
      });
      return container.id;
    });
  }

  async startContainer(id: string): Promise<void> {
    // 304 means already started, which is what the caller wanted.
    await this.call(`start container ${id}`, (d) => unlessStatus(304, d.getContainer(id).start()));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    return this.call(`inspect container ${id}`, async (d) => {
      const c = await unlessStatus(404, d.getContainer(id).inspect());
      if (!c) return undefined;
      const state = toState(c.State.Status);
      const ipAddresses: Record<string, string> = {};
      for (const [network, settings] of Object.entries(c.NetworkSettings.Networks ?? {})) {
        if (settings.IPAddress) ipAddresses[network] = settings.IPAddress;
      }
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        image: c.Config.Image,
        state,
        labels: c.Config.Labels ?? {},
        startedAt: c.State.StartedAt && c.State.StartedAt !== ZERO_TIME ? c.State.StartedAt : null,
        // An exit code only means something once the container has stopped.
        exitCode: state === 'exited' || state === 'dead' ? c.State.ExitCode : null,
        restartCount: c.RestartCount,
        ipAddresses,
      };
    });
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    // 304 means it was not running: already in the state the caller asked for.
    await this.call(`stop container ${id}`, (d) =>
      unlessStatus(304, d.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })),
    );
  }

  async removeContainer(id: string): Promise<void> {
    // 404 means it is already gone, which is what the caller wanted.
    await this.call(`remove container ${id}`, (d) => unlessStatus(404, d.getContainer(id).remove({ force: true })));
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return this.call('list containers', async (d) => {
      const list = await d.listContainers({ all: true, filters: { label: labelFilter(labels) } });
      return list.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        image: c.Image,
        state: toState(c.State),
        labels: c.Labels ?? {},
      }));
    });
  }

  async removeContainersByLabel(labels: Record<string, string>): Promise<number> {
    // An empty filter matches every container on the host, Berth's or not.
    if (Object.keys(labels).length === 0) {
      throw new AppError('VALIDATION_FAILED', 'Refusing to remove containers without a label filter');
    }
    const found = await this.listContainers(labels);
    await Promise.all(found.map((c) => this.removeContainer(c.id)));
    return found.length;
  }

  /** The single path to the engine: maps failures and keeps the availability state honest. */
  private async call<T>(action: string, work: (docker: Docker) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work(this.api);
    } catch (err) {
      const failure = asFailure(err);
      if (isConnectionError(failure)) {
        const reason = this.describe(failure);
        this.markUnavailable(reason);
        throw new AppError('DOCKER_UNAVAILABLE', `Docker is unavailable: ${reason}`, { cause: err });
      }
      const detail = (failure.json?.message ?? failure.message).trim();
      throw new AppError('DOCKER_ERROR', `Docker could not ${action}: ${detail}`, { cause: err });
    }
    this.markAvailable();
    return result;
  }

  /** Pings once and schedules the next ping; never throws. */
  private async probe(): Promise<void> {
    try {
      await this.probeClient.ping();
      this.markAvailable();
    } catch (err) {
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

/** The fields of GET /info we read (dockerode types it as any). */
type RawInfo = Record<'OperatingSystem' | 'KernelVersion' | 'Architecture' | 'Driver', string> &
  Record<'NCPU' | 'MemTotal' | 'Images', number> &
  Record<'Containers' | 'ContainersRunning' | 'ContainersPaused' | 'ContainersStopped', number>;

/** The fields of GET /system/df we read; lists can be null on an empty engine. */
interface RawDf {
  LayersSize?: number;
  Images?: { Size?: number }[] | null;
  Containers?: { SizeRw?: number }[] | null;
  Volumes?: { UsageData?: { Size?: number } | null }[] | null;
  BuildCache?: { Size?: number }[] | null;
}
