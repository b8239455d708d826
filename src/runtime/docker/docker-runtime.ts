/**
 * Runtime on the Docker engine. Each method names what it does and hands the work to the file of its
 * concept (containers, images, image-build, networks, logs); EngineConnection maps every failure to
 * AppError DOCKER_UNAVAILABLE or DOCKER_ERROR and keeps the engine state honest.
 */
import type { ContainerLogRotation, DockerEndpoint } from '../../config.js';
import { AppError } from '../../errors.js';
import type {
  BuildOptions,
  ContainerDetails,
  ContainerEvent,
  ContainerSpec,
  ContainerStats,
  ContainerSummary,
  EngineInfo,
  EngineState,
  ExecOptions,
  TerminalExec,
  TerminalExecOptions,
  ExecResult,
  ImageDetails,
  ImageSummary,
  LogOptions,
  LogStream,
  NetworkSummary,
  RegistryAuth,
  Runtime,
  ServiceDiskUsage,
  VolumeSummary,
} from '../runtime.js';
import { withInstallLabel } from '../runtime.js';
import * as containers from './containers.js';
import { EngineConnection, type EngineConnectionOptions } from './engine-connection.js';
import { readEngineInfo } from './engine-info.js';
import { buildImage } from './image-build.js';
import * as images from './images.js';
import { containerEvents } from './events.js';
import { containerLogs } from './logs.js';
import * as networks from './networks.js';
import { execInContainer } from './exec.js';
import { openTerminalExec } from './terminal-exec.js';
import * as volumes from './volumes.js';
import { readContainerStats } from './stats.js';
import { readServiceDiskUsage } from './disk-usage.js';

export interface DockerRuntimeOptions extends EngineConnectionOptions {
  /**
   * This install's id: every container, network, volume and image created through this runtime carries it
   * as INSTALL_LABEL, so orphan clean-up can tell its own objects from another Berth's on the same engine.
   * Absent (tests, CLI tools) means no install label.
   */
  installId?: string;
  /** Log rotation of every container this runtime creates (config.containerLogs); 10m × 3 when absent. */
  logRotation?: ContainerLogRotation;
}

export class DockerRuntime implements Runtime {
  private readonly engine: EngineConnection;
  private readonly networkCreations = new Map<string, Promise<void>>();
  private readonly installId: string | undefined;
  private readonly logRotation: ContainerLogRotation | undefined;

  constructor(endpoint: DockerEndpoint, options: DockerRuntimeOptions = {}) {
    const { installId, logRotation, ...connection } = options;
    this.engine = new EngineConnection(endpoint, connection);
    this.installId = installId;
    this.logRotation = logRotation;
  }

  /** The one place the install label is added: every object this runtime creates goes through it. */
  private withInstallLabel(labels: Record<string, string>): Record<string, string> {
    return withInstallLabel(labels, this.installId);
  }

  state(): EngineState {
    return this.engine.state();
  }

  refreshState(): Promise<EngineState> {
    return this.engine.refresh();
  }

  async start(): Promise<void> {
    await this.engine.start();
  }

  async stop(): Promise<void> {
    this.engine.stop();
  }

  engineInfo(): Promise<EngineInfo> {
    return this.engine.call('read engine info', readEngineInfo);
  }

  hasImage(ref: string): Promise<boolean> {
    return this.engine.call(`inspect image ${ref}`, (d) => images.hasImage(d, ref));
  }

  inspectImage(ref: string): Promise<ImageDetails | undefined> {
    return this.engine.call(`inspect image ${ref}`, (d) => images.inspectImage(d, ref));
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    const labelled = { ...spec, labels: this.withInstallLabel(spec.labels) };
    return this.engine.call(`create container ${spec.name}`, (d) =>
      containers.createContainer(d, labelled, this.logRotation),
    );
  }

  startContainer(id: string): Promise<void> {
    return this.engine.call(`start container ${id}`, (d) => containers.startContainer(d, id));
  }

  inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    return this.engine.call(`inspect container ${id}`, (d) => containers.inspectContainer(d, id));
  }

  stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return this.engine.call(`stop container ${id}`, (d) => containers.stopContainer(d, id, timeoutSeconds));
  }

  renameContainer(id: string, name: string): Promise<void> {
    return this.engine.call(`rename container ${id}`, (d) => containers.renameContainer(d, id, name));
  }

  removeContainer(id: string, options: { volumes?: boolean } = {}): Promise<void> {
    return this.engine.call(`remove container ${id}`, (d) => containers.removeContainer(d, id, options.volumes));
  }

  exec(id: string, argv: string[], options?: ExecOptions): Promise<ExecResult> {
    // A stream call: a dump may stay silent for a long time while the tool works.
    return this.engine.call(
      `run ${argv[0] ?? ''} in container ${id}`,
      (d) => execInContainer(d, id, argv, options),
      'stream',
    );
  }

  openTerminal(id: string, argv: string[], options: TerminalExecOptions): Promise<TerminalExec> {
    // A stream call: a terminal may stay silent for as long as its idle limit allows.
    return this.engine.call(
      `open a terminal in container ${id}`,
      (d) => openTerminalExec(d, id, argv, options),
      'stream',
    );
  }

  ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
    return this.engine.call(`create volume ${name}`, (d) =>
      volumes.ensureVolume(d, name, this.withInstallLabel(labels)),
    );
  }

  removeVolume(name: string): Promise<void> {
    return this.engine.call(`remove volume ${name}`, (d) => volumes.removeVolume(d, name));
  }

  listVolumes(labels: Record<string, string>): Promise<VolumeSummary[]> {
    return this.engine.call('list volumes', (d) => volumes.listVolumes(d, labels));
  }

  volumeSizes(labels: Record<string, string>): Promise<Record<string, number>> {
    return this.engine.call('read volume sizes', (d) => volumes.volumeSizes(d, labels));
  }

  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return this.engine.call('list containers', (d) => containers.listContainers(d, labels));
  }

  async removeContainersByLabel(labels: Record<string, string>): Promise<number> {
    requireLabels(labels, 'containers');
    const found = await this.listContainers(labels);
    await Promise.all(found.map((c) => this.removeContainer(c.id)));
    return found.length;
  }

  /**
   * Serialised per name within this process: the engine does not refuse a second network of the same
   * name (CheckDuplicate is ignored by current engines), so two concurrent creates would make two.
   */
  ensureNetwork(name: string, labels: Record<string, string>, options: { internal?: boolean } = {}): Promise<void> {
    const previous = this.networkCreations.get(name) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() =>
        this.engine.call(`create network ${name}`, (d) =>
          networks.ensureNetwork(d, name, this.withInstallLabel(labels), options.internal === true),
        ),
      );
    this.networkCreations.set(name, next);
    void next
      .finally(() => {
        if (this.networkCreations.get(name) === next) this.networkCreations.delete(name);
      })
      .catch(() => undefined);
    return next;
  }

  removeNetwork(name: string): Promise<void> {
    return this.engine.call(`remove network ${name}`, (d) => networks.removeNetwork(d, name));
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkSummary[]> {
    requireLabels(labels, 'networks');
    return this.engine.call('list networks', (d) => networks.listNetworks(d, labels));
  }

  buildImage(options: BuildOptions): Promise<void> {
    const labelled = { ...options, labels: this.withInstallLabel(options.labels) };
    return this.engine.call(`build image ${options.tag}`, (d) => buildImage(d, labelled), 'stream');
  }

  pullImage(ref: string, onLine: (line: string) => void, auth?: RegistryAuth): Promise<void> {
    return this.engine.call(`pull image ${ref}`, (d) => images.pullImage(d, ref, onLine, auth), 'stream');
  }

  registryHasImage(ref: string, auth?: RegistryAuth): Promise<boolean> {
    return this.engine.call(`ask the registry for ${ref}`, (d) => images.registryHasImage(d, ref, auth));
  }

  pushImage(ref: string, options: { auth?: RegistryAuth; onLine: (line: string) => void }): Promise<void> {
    return this.engine.call(`push image ${ref}`, (d) => images.pushImage(d, ref, options), 'stream');
  }

  tagImage(source: string, target: string): Promise<void> {
    return this.engine.call(`tag image ${source} as ${target}`, (d) => images.tagImage(d, source, target));
  }

  removeImage(ref: string): Promise<void> {
    return this.engine.call(`remove image ${ref}`, (d) => images.removeImage(d, ref));
  }

  async listImages(labels: Record<string, string>): Promise<ImageSummary[]> {
    requireLabels(labels, 'images');
    return this.engine.call('list images', (d) => images.listImages(d, labels));
  }

  containerEvents(
    labels: Record<string, string>,
    onEvent: (event: ContainerEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    requireLabels(labels, 'container events');
    return this.engine.call('follow container events', (d) => containerEvents(d, labels, onEvent, signal), 'stream');
  }

  containerStats(id: string): Promise<ContainerStats | undefined> {
    return this.engine.call(`read the stats of container ${id}`, (d) => readContainerStats(d, id));
  }

  serviceDiskUsage(): Promise<ServiceDiskUsage> {
    return this.engine.call('read disk usage', readServiceDiskUsage);
  }

  containerLogs(id: string, options: LogOptions, onLine: (line: string, stream: LogStream) => void): Promise<void> {
    return this.engine.call(`read the log of container ${id}`, (d) => containerLogs(d, id, options, onLine), 'stream');
  }
}

/** An empty label filter matches every object on the host, Berth's or not. */
function requireLabels(labels: Record<string, string>, what: string): void {
  if (Object.keys(labels).length === 0) {
    throw new AppError('VALIDATION_FAILED', `Refusing to select ${what} without a label filter`);
  }
}
