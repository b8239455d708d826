/**
 * The engine going away and coming back: DockerRuntime talks to the real daemon through a socket
 * proxy we can stop, so the daemon itself is never touched.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { DockerRuntime, type RuntimeLogger } from '../../src/runtime/docker.js';
import {
  TEST_IMAGES,
  cleanupTestContainers,
  startSocketProxy,
  testDockerEndpoint,
  testLabels,
  testName,
  type SocketProxy,
} from '../helpers/docker-test-env.js';

const RECONNECT_MS = 200;

function isUnavailable(err: unknown): boolean {
  return isAppError(err) && err.code === 'DOCKER_UNAVAILABLE' && err.message.startsWith('Docker is unavailable: ');
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function recordingLogger(): RuntimeLogger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const log = (level: string) => (_obj: object, msg: string) => void lines.push({ level, msg });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

describe('DockerRuntime when the engine goes away', { timeout: 50_000 }, () => {
  const target = testDockerEndpoint();
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => void crashes.push(err);
  let dir: string;
  let proxy: SocketProxy;

  before(async () => {
    if (target.kind !== 'socket') throw new Error('engine-down tests need DOCKER_HOST to be a unix socket');
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    dir = await mkdtemp(join(tmpdir(), 'berth-engine-'));
    proxy = await startSocketProxy(target.socketPath, join(dir, 'docker.sock'));
  });

  after(async () => {
    await proxy.stop();
    await cleanupTestContainers();
    await rm(dir, { recursive: true, force: true });
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    assert.deepEqual(crashes, [], 'no unhandled errors while the engine came and went');
  });

  it('reports unavailable on a failed call, then recovers on its own', async () => {
    const logger = recordingLogger();
    const runtime = new DockerRuntime(
      { kind: 'socket', socketPath: join(dir, 'docker.sock') },
      { logger, reconnectIntervalMs: RECONNECT_MS },
    );
    try {
      await runtime.start();
      assert.equal(runtime.state().available, true);
      await runtime.listContainers(testLabels());

      await proxy.stop();
      await assert.rejects(runtime.listContainers(testLabels()), isUnavailable);
      const down = runtime.state();
      assert.equal(down.available, false);
      assert.ok(!down.available && down.reason.length > 0);
      await assert.rejects(runtime.engineInfo(), isUnavailable);

      // Several reconnect attempts fail; the outage is logged once, not once per ping.
      await new Promise((r) => setTimeout(r, RECONNECT_MS * 5));
      assert.equal(runtime.state().available, false);
      assert.equal(logger.lines.filter((l) => l.level === 'warn').length, 1);

      await proxy.start();
      await waitFor(() => runtime.state().available, RECONNECT_MS * 10);
      const info = await runtime.engineInfo();
      assert.match(info.version, /^\d+\.\d+/);
      assert.deepEqual(
        logger.lines.map((l) => l.level),
        ['info', 'warn', 'info'],
      );
    } finally {
      await runtime.stop();
      await proxy.start();
    }
  });

  it('notices on its own, without any call, when the engine goes away and comes back', async () => {
    const runtime = new DockerRuntime(
      { kind: 'socket', socketPath: join(dir, 'docker.sock') },
      { reconnectIntervalMs: RECONNECT_MS, healthyIntervalMs: RECONNECT_MS },
    );
    try {
      await runtime.start();
      assert.equal(runtime.state().available, true);
      await proxy.stop();
      await waitFor(() => !runtime.state().available, RECONNECT_MS * 10);
      await proxy.start();
      await waitFor(() => runtime.state().available, RECONNECT_MS * 10);
    } finally {
      await runtime.stop();
      await proxy.start();
    }
  });

  it('fails an in-flight call cleanly when the connection is cut mid-request', async () => {
    const direct = new DockerRuntime(target);
    const runtime = new DockerRuntime(
      { kind: 'socket', socketPath: join(dir, 'docker.sock') },
      { reconnectIntervalMs: RECONNECT_MS },
    );
    try {
      await runtime.start();
      const id = await direct.createContainer({
        name: testName('cut'),
        image: TEST_IMAGES.busybox,
        cmd: ['sleep', '300'],
        labels: testLabels(),
      });
      await direct.startContainer(id);
      // sleep as PID 1 ignores SIGTERM, so this stop waits out its 10 s grace period: we cut it first.
      const stopping = assert.rejects(runtime.stopContainer(id, 10), isUnavailable);
      await new Promise((r) => setTimeout(r, 300));
      await proxy.stop();
      await stopping;
      assert.equal(runtime.state().available, false);
    } finally {
      await runtime.stop();
      await proxy.start();
    }
  });

  it('starts without throwing when there is no engine at all', async () => {
    const logger = recordingLogger();
    const runtime = new DockerRuntime(
      { kind: 'socket', socketPath: join(dir, 'no-such-dir', 'docker.sock') },
      { logger, reconnectIntervalMs: RECONNECT_MS },
    );
    try {
      await runtime.start();
      const state = runtime.state();
      assert.equal(state.available, false);
      assert.ok(!state.available && state.reason.includes('no-such-dir'), 'the reason names the socket');
      await assert.rejects(runtime.listContainers(testLabels()), isUnavailable);
      await new Promise((r) => setTimeout(r, RECONNECT_MS * 3));
      assert.equal(runtime.state().available, false);
      assert.deepEqual(
        logger.lines.map((l) => l.level),
        ['warn'],
      );
    } finally {
      await runtime.stop();
    }
  });

  it('treats an engine that accepts connections but never answers as unavailable', async () => {
    const held = new Set<Socket>();
    const silent = createServer((socket) => void held.add(socket.on('error', () => {})));
    const path = join(dir, 'silent.sock');
    await new Promise<void>((resolve) => silent.listen(path, resolve));
    const runtime = new DockerRuntime({ kind: 'socket', socketPath: path });
    try {
      const started = Date.now();
      await runtime.start(); // the ping gives up after ~3 s rather than hanging start()
      assert.ok(Date.now() - started < 10_000);
      const state = runtime.state();
      assert.equal(state.available, false);
      assert.ok(!state.available && state.reason.includes('timed out'));
    } finally {
      await runtime.stop();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a closed port as unavailable too', async () => {
    // Port 9 (discard) on loopback: nothing listens, so the connection is refused.
    const runtime = new DockerRuntime({ kind: 'tcp', host: '127.0.0.1', port: 9 });
    await runtime.start();
    const state = runtime.state();
    assert.equal(state.available, false);
    assert.ok(!state.available && state.reason.includes('tcp://127.0.0.1:9'));
    await assert.rejects(runtime.engineInfo(), isUnavailable);
    await runtime.stop();
  });
});
