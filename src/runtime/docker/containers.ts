/** Container lifecycle on the engine: create (with network aliases), start, inspect, stop, remove, list. */
import { DEFAULT_CONTAINER_LOGS, type ContainerLogRotation } from '../../config.js';
import type { ContainerDetails, ContainerSpec, ContainerSummary, PublishedPort } from '../runtime.js';
import type { CreateContainerOptions, DockerClient } from './client.js';
import { labelFilter, unlessStatus } from './failures.js';
import { packSingleFile } from '../../lib/tar-archive.js';

// prettier-ignore
const CONTAINER_STATES: readonly ContainerSummary['state'][] = [
  'created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead',
];
/** Docker's "never happened" timestamp. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function toState(raw: string | undefined): ContainerSummary['state'] {
  return CONTAINER_STATES.find((s) => s === raw) ?? 'dead';
}

/**
 * The engine's json-file driver, rotated: without max-size a chatty or crash-looping container fills the
 * disk. Every container Berth creates gets it (apps, release and tool containers, databases, itself).
 */
export function logConfig(rotation: ContainerLogRotation = DEFAULT_CONTAINER_LOGS) {
  return { Type: 'json-file', Config: { 'max-size': rotation.maxSize, 'max-file': String(rotation.maxFiles) } };
}

export function createOptions(
  spec: ContainerSpec,
  logRotation: ContainerLogRotation = DEFAULT_CONTAINER_LOGS,
): CreateContainerOptions {
  const options: CreateContainerOptions = {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    // Each entry is one KEY=value string handed to the engine as JSON: no shell, no env file, no quoting.
    Env: spec.env && Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    HostConfig: {
      NetworkMode: spec.network,
      Memory: spec.memoryBytes,
      NanoCpus: spec.nanoCpus,
      RestartPolicy: spec.restartPolicy && { Name: spec.restartPolicy },
      Mounts: spec.volumes?.map((v) => ({
        Type: 'volume' as const,
        // An empty source is an anonymous volume.
        Source: v.volume,
        Target: v.target,
        ...(v.readOnly ? { ReadOnly: true } : {}),
      })),
      PortBindings: spec.publishedPorts && portBindings(spec.publishedPorts),
      LogConfig: logConfig(logRotation),
    },
  };
  if (spec.entrypoint) options.Entrypoint = spec.entrypoint;
  if (spec.user) options.User = spec.user;
  if (spec.workingDir) options.WorkingDir = spec.workingDir;
  if (spec.tmpfs && options.HostConfig) options.HostConfig.Tmpfs = Object.fromEntries(spec.tmpfs.map((p) => [p, '']));
  if (spec.publishedPorts) {
    options.ExposedPorts = Object.fromEntries(spec.publishedPorts.map((p) => [`${p.containerPort}/tcp`, {}]));
  }
  if (spec.healthcheck) {
    const h = spec.healthcheck;
    // Docker counts in nanoseconds; CMD (not CMD-SHELL) runs argv without a shell.
    options.Healthcheck = {
      Test: h.shell ? ['CMD-SHELL', h.test.join(' ')] : ['CMD', ...h.test],
      Interval: h.intervalMs * 1e6,
      Timeout: h.timeoutMs * 1e6,
      Retries: h.retries,
      StartPeriod: h.startPeriodMs * 1e6,
    };
  }
  if (spec.network && spec.networkAliases && spec.networkAliases.length > 0) {
    // Aliases are per network; they only exist on the network the container is created on.
    options.NetworkingConfig = { EndpointsConfig: { [spec.network]: { Aliases: spec.networkAliases } } };
  }
  return options;
}

function portBindings(ports: PublishedPort[]): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  return Object.fromEntries(
    ports.map((p) => [
      `${p.containerPort}/tcp`,
      [{ HostIp: p.hostIp, HostPort: p.hostPort ? String(p.hostPort) : '' }],
    ]),
  );
}

export async function createContainer(
  d: DockerClient,
  spec: ContainerSpec,
  logRotation?: ContainerLogRotation,
): Promise<string> {
  const container = await d.createContainer(createOptions(spec, logRotation));
  try {
    // Engines before API 1.44 take one network at create; the others are joined before the start.
    for (const extra of spec.extraNetworks ?? [])
      await d.getNetwork(extra.name).connect({ Container: container.id, EndpointConfig: { Aliases: extra.aliases } });
    for (const file of spec.files ?? []) {
      const archive = await packSingleFile(file.name, file.content, file.mode);
      await container.putArchive(archive, { path: file.directory });
    }
  } catch (error) {
    await unlessStatus(404, container.remove({ force: true }));
    throw error;
  }
  return container.id;
}

export async function renameContainer(d: DockerClient, id: string, name: string): Promise<void> {
  await d.getContainer(id).rename({ name });
}

export async function startContainer(d: DockerClient, id: string): Promise<void> {
  // 304 means already started, which is what the caller wanted.
  await unlessStatus(304, d.getContainer(id).start());
}

export async function inspectContainer(d: DockerClient, id: string): Promise<ContainerDetails | undefined> {
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
    finishedAt: c.State.FinishedAt && c.State.FinishedAt !== ZERO_TIME ? c.State.FinishedAt : null,
    // An exit code only means something once the container has stopped (restarting: stopped, back soon).
    exitCode: state === 'exited' || state === 'dead' || state === 'restarting' ? c.State.ExitCode : null,
    restartCount: c.RestartCount,
    ipAddresses,
    health: toHealth(c.State.Health?.Status),
    oomKilled: c.State.OOMKilled === true,
    ports: publishedPorts(
      c.NetworkSettings.Ports as Record<string, Array<{ HostIp: string; HostPort: string }> | null>,
    ),
  };
}

function toHealth(raw: string | undefined): ContainerDetails['health'] {
  return raw === 'starting' || raw === 'healthy' || raw === 'unhealthy' ? raw : null;
}

function publishedPorts(
  raw: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined,
): ContainerDetails['ports'] {
  const ports: ContainerDetails['ports'] = {};
  for (const [key, bindings] of Object.entries(raw ?? {})) {
    const first = bindings?.[0];
    if (first) ports[key] = { hostIp: first.HostIp, hostPort: Number(first.HostPort) };
  }
  return ports;
}

export async function stopContainer(d: DockerClient, id: string, timeoutSeconds?: number): Promise<void> {
  // 304 means it was not running: already in the state the caller asked for.
  await unlessStatus(304, d.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds }));
}

export async function removeContainer(d: DockerClient, id: string, volumes = false): Promise<void> {
  // 404 means it is already gone, which is what the caller wanted.
  await unlessStatus(404, d.getContainer(id).remove({ force: true, v: volumes }));
}

/**
 * The label the kubelet's dockershim puts on the containers of the pods it runs (BERTH_SCHEDULER=kubernetes
 * on a single node). A pod's sandbox carries the pod's labels, Berth's among them, but it is the cluster's:
 * recovery, the janitor and the routes must never take it for a container Berth started.
 */
const KUBELET_CONTAINER_LABEL = 'io.kubernetes.docker.type';

export async function listContainers(d: DockerClient, labels: Record<string, string>): Promise<ContainerSummary[]> {
  const list = await d.listContainers({ all: true, filters: { label: labelFilter(labels) } });
  return list
    .filter((c) => c.Labels?.[KUBELET_CONTAINER_LABEL] === undefined)
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: toState(c.State),
      labels: c.Labels ?? {},
    }));
}
