/**
 * What Berth needs from a container scheduler. docker.ts implements it on the Docker engine (the only
 * importer of dockerode); a Kubernetes backend can implement the same shape later.
 */
import type { Duplex } from 'node:stream';

export type EngineState =
  | { readonly available: true; readonly since: string }
  | { readonly available: false; readonly since: string; readonly reason: string };

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
  kernel: string;
  architecture: string;
  cpus: number;
  memoryBytes: number;
  storageDriver: string;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  disk: { imagesBytes: number; containersBytes: number; volumesBytes: number; buildCacheBytes: number };
}

export interface ContainerSpec {
  /** Docker container name; validated by the caller against an allow-list. */
  name: string;
  image: string;
  /** Command arguments (argv, never a shell string). */
  cmd?: string[];
  /** Environment as KEY=value entries. */
  env?: Record<string, string>;
  labels: Record<string, string>;
  network?: string;
  /** DNS names of the container on `network` (e.g. the service name, so siblings reach it by name). */
  networkAliases?: string[];
  /** More networks the container joins (before it starts), each with its DNS names there; compose stacks. */
  extraNetworks?: { name: string; aliases: string[] }[];
  memoryBytes?: number;
  nanoCpus?: number;
  restartPolicy?: 'no' | 'unless-stopped' | 'on-failure';
  /** Named volumes mounted into the container (databases keep their data in one). */
  volumes?: VolumeMount[];
  /** Host ports to publish; nothing is published unless asked (databases stay on the project network). */
  publishedPorts?: PublishedPort[];
  /** The engine's own health check (argv run inside the container). */
  healthcheck?: ContainerHealthcheck;
  /** Files put into the container after it is created and before it starts (e.g. a config holding a password). */
  files?: ContainerFile[];
  /** Replaces the image's entrypoint (argv); compose stacks. */
  entrypoint?: string[];
  /** The user (name or uid[:gid]) the process runs as; compose stacks. */
  user?: string;
  workingDir?: string;
  /** Paths mounted as tmpfs (in memory, gone with the container); compose stacks. */
  tmpfs?: string[];
}

export interface ContainerFile {
  /** Absolute path of a directory that exists in the image. */
  directory: string;
  /** File name, no slashes. */
  name: string;
  content: string;
  mode: number;
}

export interface VolumeMount {
  /** A named volume; '' for an anonymous one (removed with the container when asked). */
  volume: string;
  target: string;
  /** Mounted read-only (a backup reads a volume it must not change). */
  readOnly?: boolean;
}

export interface VolumeSummary {
  name: string;
  labels: Record<string, string>;
}

export interface PublishedPort {
  containerPort: number;
  hostIp: string;
  /** 0 lets the engine choose a free port. */
  hostPort: number;
}

export interface ContainerHealthcheck {
  /** argv run without a shell; with `shell`, one command line for the image's /bin/sh -c (compose CMD-SHELL). */
  test: string[];
  shell?: boolean;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface ExecOptions {
  env?: Record<string, string>;
  /** The user (name or uid) the command runs as; the image's default user otherwise. */
  user?: string;
  /** Bytes fed to the command's stdin (then closed). */
  stdin?: NodeJS.ReadableStream;
  /** Where stdout goes; without it, stdout is captured (up to a cap) into the result. */
  stdout?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** Captured stdout when no stdout stream was given (capped). */
  stdout: string;
  /** The command's stderr (capped). */
  stderr: string;
}

export interface TerminalExecOptions {
  cols: number;
  rows: number;
  env?: Record<string, string>;
}

/** A command running with a TTY in a container (the web terminal); see docker/terminal-exec.ts. */
export interface TerminalExec {
  /** The terminal: write keystrokes, read its raw output bytes. */
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Whether the command still runs, and its exit code once it ended. */
  state(): Promise<{ running: boolean; exitCode: number | null }>;
  /** Ends the command as a person at the keyboard would (interrupt, end of input), then closes the connection. */
  hangUp(): Promise<{ running: boolean; exitCode: number | null }>;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  labels: Record<string, string>;
}

export interface ContainerDetails extends ContainerSummary {
  startedAt: string | null;
  /** When its last run ended (the engine's State.FinishedAt); null while it never stopped. */
  finishedAt?: string | null;
  exitCode: number | null;
  restartCount: number;
  ipAddresses: Record<string, string>;
  /** The engine's health check verdict, null when the container has none. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** The kernel killed its last run for exceeding the memory limit (the engine's State.OOMKilled). */
  oomKilled?: boolean;
  /** Published ports as `<containerPort>/tcp` → host address and port. */
  ports: Record<string, { hostIp: string; hostPort: number }>;
}

export interface BuildOptions {
  /** Directory sent as the build context (a .dockerignore in it is honoured). */
  contextDir: string;
  /** Dockerfile path relative to contextDir. */
  dockerfile: string;
  /** Files (relative to contextDir) sent even when the .dockerignore excludes them. */
  alwaysSend?: string[];
  tag: string;
  buildArgs?: Record<string, string>;
  labels: Record<string, string>;
  /** Caps so a build cannot freeze the host. */
  memoryBytes?: number;
  cpus?: number;
  /** Every line of build output, as it arrives. */
  onLine(line: string): void;
  signal?: AbortSignal;
}

/** Credentials for one registry (BERTH_IMAGE_REGISTRY_USERNAME / _PASSWORD_FILE). */
export interface RegistryAuth {
  username: string;
  password: string;
  /** The registry host (with port) the credentials are for. */
  serverAddress: string;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  createdAt: string;
}

export interface NetworkSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/**
 * The label that says which Berth install made an object. Two Berths (or parallel test daemons) can share
 * one engine: each only ever cleans up objects that carry its own id.
 */
export const INSTALL_LABEL = 'berth.install';

/** The labels as the runtime writes them: with this install's id, when it has one (absent: tests, CLI tools). */
export function withInstallLabel(
  labels: Record<string, string>,
  installId: string | undefined,
): Record<string, string> {
  return installId === undefined ? labels : { ...labels, [INSTALL_LABEL]: installId };
}

export interface ImageDetails {
  id: string;
  /** TCP ports the image declares with EXPOSE, lowest first (UDP ones cannot be routed over HTTP). */
  exposedTcpPorts: number[];
}

export interface ContainerEvent {
  id: string;
  action: 'start' | 'die';
  /** For `die`: the exit code of the process. */
  exitCode?: number;
}

/** Which output of the container a log line came from (a TTY container has only stdout). */
export type LogStream = 'stdout' | 'stderr';

export interface LogOptions {
  follow: boolean;
  /** Number of lines from the end to start with. */
  tail?: number;
  /** Only lines written at or after this time (epoch seconds). */
  since?: number;
  /** Prefix each line with the engine's RFC 3339 timestamp and a space (when the line was written). */
  timestamps?: boolean;
  signal?: AbortSignal;
}

/**
 * One reading of a container's cumulative counters (since the container started). Rates and CPU % come
 * from two readings: see src/metrics/cpu.ts.
 */
export interface ContainerStats {
  /** When the engine read the counters (ms since epoch). */
  readAt: number;
  /** CPU time the container used, ns. */
  cpuTotalNs: number;
  /** CPU time the host used (all CPUs), ns; the denominator of CPU %. */
  systemCpuNs: number;
  onlineCpus: number;
  /** Working set: usage minus inactive page cache, as `docker stats` shows it. */
  memoryBytes: number;
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

/** Bytes on disk that belong to objects carrying a `berth.service` label, by service id. */
export interface ServiceDiskUsage {
  /** Writable layers of containers plus named volumes. */
  bytesByService: Record<string, number>;
}

export interface Runtime {
  /** Last known engine state; cheap, never throws. */
  state(): EngineState;
  /** The engine state as of now (pings the engine unless it was asked within the last second); never throws. */
  refreshState(): Promise<EngineState>;
  /** Starts watching the engine: connects, and keeps reconnecting while it is down. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Throws AppError DOCKER_UNAVAILABLE when the engine cannot be reached. */
  engineInfo(): Promise<EngineInfo>;
  hasImage(ref: string): Promise<boolean>;
  /** What a local image declares; undefined when the engine does not have it. */
  inspectImage(ref: string): Promise<ImageDetails | undefined>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerDetails | undefined>;
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  renameContainer(id: string, name: string): Promise<void>;
  /** `volumes` also removes the container's anonymous volumes (throwaway containers). */
  removeContainer(id: string, options?: { volumes?: boolean }): Promise<void>;
  /** Runs argv inside a running container (no shell) and waits for it to end. */
  exec(id: string, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts argv with a TTY in a running container (no shell string); the caller ends it with hangUp. */
  openTerminal(id: string, argv: string[], options: TerminalExecOptions): Promise<TerminalExec>;
  /** Creates a named volume when missing (idempotent). True when this call created it (it holds no data yet). */
  ensureVolume(name: string, labels: Record<string, string>): Promise<boolean>;
  removeVolume(name: string): Promise<void>;
  /** Named volumes carrying all the given labels (never an empty filter). */
  listVolumes(labels: Record<string, string>): Promise<VolumeSummary[]>;
  /** Bytes used by each named volume carrying all the labels, by name (the engine's disk usage: expensive). */
  volumeSizes(labels: Record<string, string>): Promise<Record<string, number>>;
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>;
  /** Removes every container carrying all the given labels (tests, cleanup). Returns how many. */
  removeContainersByLabel(labels: Record<string, string>): Promise<number>;

  /** Creates a bridge network when missing (idempotent); `internal`: no route out of the host (compose stacks). */
  ensureNetwork(name: string, labels: Record<string, string>, options?: { internal?: boolean }): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  /** Networks carrying all the given labels (never an empty filter). */
  listNetworks(labels: Record<string, string>): Promise<NetworkSummary[]>;
  /** Builds an image; rejects with DOCKER_ERROR carrying the builder's last error line on failure. */
  buildImage(options: BuildOptions): Promise<void>;
  /** Pulls an image when it is not present locally (with credentials for a private registry). */
  pullImage(ref: string, onLine: (line: string) => void, auth?: RegistryAuth): Promise<void>;
  /** Whether the registry its reference names holds the image (nothing pulled); throws when it cannot be asked. */
  registryHasImage(ref: string, auth?: RegistryAuth): Promise<boolean>;
  tagImage(source: string, target: string): Promise<void>;
  /** Pushes a local image to the registry its reference names; rejects with DOCKER_ERROR naming the engine's error. */
  pushImage(ref: string, options: { auth?: RegistryAuth; onLine: (line: string) => void }): Promise<void>;
  removeImage(ref: string): Promise<void>;
  listImages(labels: Record<string, string>): Promise<ImageSummary[]>;
  /**
   * Calls onEvent as containers carrying all the labels start or die, until the signal aborts or the
   * engine goes away (then it resolves; subscribe again once the engine is back).
   */
  containerEvents(
    labels: Record<string, string>,
    onEvent: (event: ContainerEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** The container's current counters; undefined when it does not exist (any more). */
  containerStats(id: string): Promise<ContainerStats | undefined>;
  /** Disk used per service (container writable layers and volumes); an expensive call, run it rarely. */
  serviceDiskUsage(): Promise<ServiceDiskUsage>;
  /** Streams a container's stdout+stderr lines until it ends, the signal aborts, or (follow=false) the log is read. */
  containerLogs(id: string, options: LogOptions, onLine: (line: string, stream: LogStream) => void): Promise<void>;
}
