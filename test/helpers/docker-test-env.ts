/**
 * Shared helpers for tests that touch the real Docker engine. Everything a test creates carries
 * the `berth.test-run` label, so cleanup removes exactly our objects and nothing else on the host.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { loadConfig, type DockerEndpoint } from '../../src/config.js';
import { DockerRuntime } from '../../src/runtime/docker.js';

/** One id per test run; scripts can pin it (BERTH_TEST_RUN_ID) to clean up after a crashed run. */
export const RUN_ID: string = process.env.BERTH_TEST_RUN_ID || `t${randomBytes(5).toString('hex')}`;

export const TEST_RUN_LABEL = 'berth.test-run';

/**
 * One id per test file (each file runs in its own process). The run's files share RUN_ID and run side by
 * side, so a file's own cleanup selects this label too: it must never remove a container another file
 * is still using. The runner's end-of-run safety net goes by RUN_ID alone.
 */
export const FILE_ID: string = `f${randomBytes(4).toString('hex')}`;
export const TEST_FILE_LABEL = 'berth.test-file';

/** Local images built by scripts/test-env.sh; tests never pull from a registry. */
export const TEST_IMAGES = {
  busybox: 'berth-test/busybox:latest',
  node: 'berth-test/node:20-slim',
  debian: 'berth-test/debian:bookworm',
} as const;

export function testLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, [TEST_RUN_LABEL]: RUN_ID, [TEST_FILE_LABEL]: FILE_ID };
}

/** The engine the tests use: DOCKER_HOST if set, else the default socket (parsed as the app would). */
export function testDockerEndpoint(): DockerEndpoint {
  return loadConfig({ DOCKER_HOST: process.env.DOCKER_HOST }).docker;
}

/** A unique, valid container name for this run. */
export function testName(suffix: string): string {
  return `berth-test-${RUN_ID}-${suffix}`;
}

/** Removes every container this test file labelled (run id and file id); returns how many. */
export async function cleanupTestContainers(): Promise<number> {
  const runtime = new DockerRuntime(testDockerEndpoint());
  return runtime.removeContainersByLabel(testLabels());
}

export interface SocketProxy {
  /** Closes the listening socket and cuts every open connection: to clients the engine is gone. */
  stop(): Promise<void>;
  /** Listens again on the same path. */
  start(): Promise<void>;
}

/**
 * A unix-socket forwarder in front of the real engine, so a test can make "Docker" vanish and
 * come back without touching the daemon itself. Resolves once it is listening.
 */
export async function startSocketProxy(targetSocket: string, listenSocket: string): Promise<SocketProxy> {
  const open = new Set<net.Socket>();
  let server: net.Server | undefined;

  const onConnection = (client: net.Socket): void => {
    const upstream = net.connect(targetSocket);
    open.add(client);
    open.add(upstream);
    const teardown = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    // Errors on either side just end the pair; they must never surface as uncaught.
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const start = async (): Promise<void> => {
    if (server) return;
    await rm(listenSocket, { force: true });
    const s = net.createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(listenSocket, () => {
        s.off('error', reject);
        resolve();
      });
    });
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server;
    if (!s) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of open) socket.destroy();
    open.clear();
    await closed;
    // net removes the socket file on close; make sure, so clients get ENOENT like a stopped daemon.
    await rm(listenSocket, { force: true });
  };

  await start();
  return { start, stop };
}
