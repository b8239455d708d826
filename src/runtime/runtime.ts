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
}
