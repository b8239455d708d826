/**
 * Builds an image through the engine's build API with the legacy builder. The API's BuildKit mode
 * (version 2) does build without a client session on Docker 20.10, cache mounts included, but (checked
 * here) it ignores the memory and CPU caps below, which keep a build from freezing the host; its
 * secrets come only over a gRPC session this client does not run; and its progress arrives as
 * protobuf. The legacy builder also works with local-only FROM images, which is all tests and offline
 * hosts have. Every output line goes to `onLine`; the build's own error becomes the rejection, so the
 * deployment log and the deployment's error say the same thing.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import type { BuildOptions } from '../runtime.js';
import { packBuildContext } from './build-context.js';
import type { BuildImageOptions, DockerClient } from './client.js';
import { EngineMessageReader } from './json-messages.js';

/** CFS period for the CPU cap: quota = cpus × period. */
const CPU_PERIOD_US = 100_000;

function cancelled(signal: AbortSignal): AppError {
  return new AppError('DOCKER_ERROR', 'build cancelled', { cause: signal.reason });
}

export function buildApiOptions(options: BuildOptions): BuildImageOptions {
  const api: BuildImageOptions = {
    dockerfile: options.dockerfile,
    t: options.tag,
    labels: options.labels,
    version: '1',
    // Remove intermediate containers, also after a failed step.
    rm: true,
    forcerm: true,
  };
  if (options.buildArgs && Object.keys(options.buildArgs).length > 0) api.buildargs = options.buildArgs;
  if (options.memoryBytes !== undefined) {
    api.memory = options.memoryBytes;
    // Swap equal to memory means no swap at all: a runaway build is stopped, not left to thrash the host.
    api.memswap = options.memoryBytes;
  }
  if (options.cpus !== undefined) {
    api.cpuperiod = CPU_PERIOD_US;
    api.cpuquota = Math.max(1_000, Math.round(options.cpus * CPU_PERIOD_US));
  }
  if (options.signal) api.abortSignal = options.signal;
  return api;
}

/** Reads the build's message stream to its end; resolves with the error the stream itself failed with. */
function follow(stream: Readable, reader: EngineMessageReader, signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(err);
    };
    // Closing our end makes the engine cancel the build and remove its intermediate container.
    const onAbort = (): void => void stream.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => reader.push(chunk));
    stream.on('end', () => finish());
    stream.on('error', (err) => finish(err));
    stream.on('close', () =>
      finish(Object.assign(new Error('the build stream closed before the build finished'), { code: 'ECONNRESET' })),
    );
    if (signal?.aborted) onAbort();
  });
}

/**
 * The engine's layer cache is shared between builds: an image removed meanwhile (image retention, another
 * service's clean-up) can take with it an untagged parent layer this build is about to build on, and the
 * engine then fails with "unknown parent image ID". The same build run again rebuilds that layer, so it is
 * retried once (said in the log); any other failure is the build's own.
 */
const LOST_CACHE_PARENT = /unknown parent image ID|failed to set parent/;

export async function buildImage(d: DockerClient, options: BuildOptions): Promise<void> {
  try {
    await buildOnce(d, options);
  } catch (error) {
    if (options.signal?.aborted || !(error instanceof AppError) || !LOST_CACHE_PARENT.test(error.message)) throw error;
    options.onLine('A cached layer of this build was removed meanwhile (another image was deleted): building again');
    await buildOnce(d, options);
  }
}

async function buildOnce(d: DockerClient, options: BuildOptions): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw cancelled(signal);
  const context = await packBuildContext(options.contextDir, options.dockerfile, options.alwaysSend);
  // A tar error (a file vanished while packing) must not become an unhandled 'error' event.
  context.stream.on('error', () => undefined);
  options.onLine(`Sending build context to Docker (${context.entries} entries)`);
  const reader = new EngineMessageReader(options.onLine);
  try {
    let response: Readable;
    try {
      response = (await d.buildImage(context.stream, buildApiOptions(options))) as Readable;
    } catch (err) {
      if (signal?.aborted) throw cancelled(signal);
      throw err;
    }
    const streamError = await follow(response, reader, signal);
    reader.end();
    if (signal?.aborted) throw cancelled(signal);
    if (reader.lastError !== undefined) throw new AppError('DOCKER_ERROR', `build failed: ${reader.lastError}`);
    if (streamError !== undefined) throw streamError;
    if (reader.imageId === undefined) {
      throw new AppError('DOCKER_ERROR', 'build failed: the engine ended the build without producing an image');
    }
  } finally {
    context.stream.destroy();
  }
}
