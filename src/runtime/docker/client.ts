/**
 * The only importer of dockerode. Everything else in src/runtime/docker/ receives a DockerClient and
 * calls the typed methods on it; the few places that need the raw HTTP modem (streams dockerode does
 * not expose as streams) go through the helpers here, so any use of dockerode internals is in one file.
 */
import Docker from 'dockerode';
import type { Readable, Writable } from 'node:stream';
import type { DockerEndpoint } from '../../config.js';

export type DockerClient = Docker;
export type BuildImageOptions = Docker.ImageBuildOptions;
export type CreateContainerOptions = Docker.ContainerCreateOptions;
export type RawContainerStats = Docker.ContainerStats;

/**
 * A client for one endpoint. `timeoutMs` is a socket idle limit: right for request/response calls,
 * wrong for streams that may stay silent for long (a build step compiling, a quiet container's log),
 * which get a client without one (undefined) and are ended by their AbortSignal instead.
 */
export function createDockerClient(endpoint: DockerEndpoint, timeoutMs: number | undefined): DockerClient {
  const base =
    endpoint.kind === 'socket'
      ? { socketPath: endpoint.socketPath }
      : { host: endpoint.host, port: endpoint.port, protocol: 'http' as const };
  return new Docker(timeoutMs === undefined ? base : { ...base, timeout: timeoutMs });
}

/** Splits Docker's multiplexed stdout/stderr framing (non-TTY containers) into two streams. */
export function demuxStream(client: DockerClient, source: Readable, stdout: Writable, stderr: Writable): void {
  (client.modem as { demuxStream(s: Readable, o: Writable, e: Writable): void }).demuxStream(source, stdout, stderr);
}

export interface LogStreamQuery {
  follow: boolean;
  tail?: number;
  since?: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

/**
 * GET /containers/{id}/logs as a raw stream, whether following or not. dockerode's own `logs()`
 * buffers the non-follow case and then tries to parse it as JSON, which mangles a log that happens
 * to be JSON; asking the modem for a stream keeps the bytes as they are.
 */
export function openLogStream(client: DockerClient, id: string, query: LogStreamQuery): Promise<Readable> {
  const options: Record<string, unknown> = { follow: query.follow, stdout: true, stderr: true };
  if (query.tail !== undefined) options.tail = query.tail;
  if (query.since !== undefined) options.since = Math.max(0, Math.floor(query.since));
  if (query.timestamps === true) options.timestamps = true;
  return new Promise((resolve, reject) => {
    (client.modem as { dial(o: object, cb: (err: unknown, data: unknown) => void): void }).dial(
      {
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        isStream: true,
        abortSignal: query.signal,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        options,
      },
      (err, data) => (err ? reject(err) : resolve(data as Readable)),
    );
  });
}

/**
 * GET /events as a raw stream of JSON lines, filtered by the engine; ends when the signal aborts (dockerode's
 * getEvents would put the signal into the query string).
 */
export function openEventStream(
  client: DockerClient,
  filters: Record<string, string[]>,
  signal: AbortSignal,
): Promise<Readable> {
  return new Promise((resolve, reject) => {
    (client.modem as { dial(o: object, cb: (err: unknown, data: unknown) => void): void }).dial(
      {
        path: '/events?',
        method: 'GET',
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad filter', 500: 'server error' },
        options: { filters },
      },
      (err, data) => (err ? reject(err) : resolve(data as Readable)),
    );
  });
}
