/**
 * What Berth needs from a container scheduler. docker.ts implements it on the Docker engine (the only
 * importer of dockerode); a Kubernetes backend can implement the same shape later.
 */

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
  memoryBytes?: number;
  nanoCpus?: number;
  restartPolicy?: 'no' | 'unless-stopped' | 'on-failure';
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
  exitCode: number | null;
  restartCount: number;
  ipAddresses: Record<string, string>;
}

export interface BuildOptions {
  /** Directory sent as the build context (a .dockerignore in it is honoured). */
  contextDir: string;
  /** Dockerfile path relative to contextDir. */
  dockerfile: string;
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

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  createdAt: string;
}

export interface LogOptions {
  follow: boolean;
  /** Number of lines from the end to start with. */
  tail?: number;
  signal?: AbortSignal;
}

export interface Runtime {
  /** Last known engine state; cheap, never throws. */
  state(): EngineState;
  /** Starts watching the engine: connects, and keeps reconnecting while it is down. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Throws AppError DOCKER_UNAVAILABLE when the engine cannot be reached. */
  engineInfo(): Promise<EngineInfo>;
  hasImage(ref: string): Promise<boolean>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerDetails | undefined>;
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>;
  /** Removes every container carrying all the given labels (tests, cleanup). Returns how many. */
  removeContainersByLabel(labels: Record<string, string>): Promise<number>;

  /** Creates a bridge network when missing (idempotent). */
  ensureNetwork(name: string, labels: Record<string, string>): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  /** Builds an image; rejects with DOCKER_ERROR carrying the builder's last error line on failure. */
  buildImage(options: BuildOptions): Promise<void>;
  /** Pulls an image when it is not present locally. */
  pullImage(ref: string, onLine: (line: string) => void): Promise<void>;
  tagImage(source: string, target: string): Promise<void>;
  removeImage(ref: string): Promise<void>;
  listImages(labels: Record<string, string>): Promise<ImageSummary[]>;
  /** Streams a container's stdout+stderr lines until it ends, the signal aborts, or (follow=false) the log is read. */
  containerLogs(id: string, options: LogOptions, onLine: (line: string) => void): Promise<void>;
}
