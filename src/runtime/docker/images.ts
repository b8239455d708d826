/** Images on the engine: presence, pull, tag, remove, and listing Berth's own by label. */
import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import type { ImageDetails, ImageSummary, RegistryAuth } from '../runtime.js';
import type { DockerClient } from './client.js';
import { labelFilter, unlessStatus } from './failures.js';
import { EngineMessageReader } from './json-messages.js';

/** `repo[:tag]` split the way the engine's tag API wants it; a digest or a registry port is not a tag. */
export function splitReference(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash && !ref.includes('@')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

export async function hasImage(d: DockerClient, ref: string): Promise<boolean> {
  return (await unlessStatus(404, d.getImage(ref).inspect())) !== undefined;
}

export async function inspectImage(d: DockerClient, ref: string): Promise<ImageDetails | undefined> {
  const image = await unlessStatus(404, d.getImage(ref).inspect());
  if (!image) return undefined;
  return { id: image.Id, exposedTcpPorts: exposedTcpPorts(Object.keys(image.Config?.ExposedPorts ?? {})) };
}

/** `8080/tcp`, `53/udp`, `9000` (tcp by default) → [8080, 9000]. */
export function exposedTcpPorts(keys: string[]): number[] {
  const ports = keys.flatMap((key) => {
    const match = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
    const port = Number(match?.[1]);
    return match && (match[2] ?? 'tcp') === 'tcp' && port >= 1 && port <= 65535 ? [port] : [];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

export async function pullImage(
  d: DockerClient,
  ref: string,
  onLine: (line: string) => void,
  auth?: RegistryAuth,
): Promise<void> {
  if (await hasImage(d, ref)) {
    onLine(`Image ${ref} is present locally`);
    return;
  }
  onLine(`Pulling ${ref}`);
  const authconfig = engineAuth(auth);
  const stream = (await d.pull(ref, authconfig ? { authconfig } : {})) as Readable;
  const reader = new EngineMessageReader(onLine);
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => reader.push(chunk));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  reader.end();
  if (reader.lastError !== undefined) throw new AppError('DOCKER_ERROR', `pull failed: ${reader.lastError}`);
}

/** The engine's X-Registry-Auth shape; the credentials travel for one call and are never logged. */
function engineAuth(auth: RegistryAuth | undefined) {
  return auth ? { username: auth.username, password: auth.password, serveraddress: auth.serverAddress } : undefined;
}

/**
 * Whether the registry its reference names holds the image, asked through the engine (its distribution
 * endpoint reads the manifest; nothing is pulled). false when the registry says it has no such image;
 * throws DOCKER_ERROR when the registry cannot be asked (down, refused).
 */
export async function registryHasImage(d: DockerClient, ref: string, auth?: RegistryAuth): Promise<boolean> {
  const authconfig = engineAuth(auth);
  try {
    await d.getImage(ref).distribution(authconfig ? { authconfig } : {});
    return true;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // The engine answers 401 for an unknown repository or tag as well as for refused credentials, 404 for an unknown tag.
    if (status === 401 || status === 404) return false;
    throw new AppError('DOCKER_ERROR', `the registry could not be asked for ${ref}: ${(error as Error).message}`);
  }
}

/** Reads an engine message stream to its end; rejects with DOCKER_ERROR `<what> failed: <engine's error>`. */
async function followMessages(stream: Readable, what: string, onLine: (line: string) => void): Promise<void> {
  const reader = new EngineMessageReader(onLine);
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => reader.push(chunk));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  reader.end();
  if (reader.lastError !== undefined) throw new AppError('DOCKER_ERROR', `${what} failed: ${reader.lastError}`);
}

/**
 * Pushes a local image (`host[:port]/path:tag`) to its registry. The credentials travel in the engine's
 * X-Registry-Auth header for this one call; they are never logged (the engine's progress lines hold none).
 */
export async function pushImage(
  d: DockerClient,
  ref: string,
  options: { auth?: RegistryAuth; onLine: (line: string) => void },
): Promise<void> {
  const { repo, tag } = splitReference(ref);
  const authconfig = engineAuth(options.auth);
  const stream = (await d.getImage(repo).push({ tag, ...(authconfig ? { authconfig } : {}) })) as Readable;
  await followMessages(stream, 'push', options.onLine);
}

export async function tagImage(d: DockerClient, source: string, target: string): Promise<void> {
  await d.getImage(source).tag(splitReference(target));
}

export async function removeImage(d: DockerClient, ref: string): Promise<void> {
  // 404 means it is already gone. An image still used by a container is a 409 and stays an error:
  // callers decide what to keep, the engine should never be forced to drop what runs.
  await unlessStatus(404, d.getImage(ref).remove());
}

export async function listImages(d: DockerClient, labels: Record<string, string>): Promise<ImageSummary[]> {
  const list = await d.listImages({ filters: { label: labelFilter(labels) } });
  return list.map((image) => ({
    id: image.Id,
    tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
    labels: image.Labels ?? {},
    createdAt: new Date(image.Created * 1000).toISOString(),
  }));
}
