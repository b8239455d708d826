/**
 * /healthz tells the engine's state as of the request, not as of the last heartbeat (every 15 s while
 * the engine is up): orchestrators and the installer act on it. The engine is cut and brought back with a
 * socket forwarder in front of the real one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { startSocketProxy, testDockerEndpoint, type SocketProxy } from '../helpers/docker-test-env.js';

async function dockerState(daemon: DaemonProcess): Promise<string> {
  const res = await fetch(`${daemon.baseUrl}/healthz`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { docker: string }).docker;
}

describe('/healthz and the engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-healthz-'));
  const socket = join(dir, 'docker.sock');
  let engine: SocketProxy;
  let daemon: DaemonProcess;

  before(async () => {
    const endpoint = testDockerEndpoint();
    assert.equal(endpoint.kind, 'socket', 'this test needs a unix-socket engine');
    engine = await startSocketProxy(endpoint.socketPath, socket);
    daemon = await startDaemonProcess({ env: { DOCKER_HOST: `unix://${socket}` } });
  });
  after(async () => {
    await daemon?.stop();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the engine gone, and back, within a second and a half of it happening', async () => {
    assert.equal(await dockerState(daemon), 'available');
    // Past the daemon's own start-up pings: the next heartbeat is ~15 s away.
    await new Promise((r) => setTimeout(r, 2_000));
    await engine.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await dockerState(daemon), 'unavailable', '/healthz still said available 1.5 s after the engine went');
    await engine.start();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await dockerState(daemon), 'available', '/healthz still said unavailable 1.5 s after it came back');
  });
});
