import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { startSocketProxy, testDockerEndpoint, type SocketProxy } from '../helpers/docker-test-env.js';

/** Polls /healthz until the daemon reports the wanted engine state; fails if the daemon ever stops answering. */
async function waitForDocker(daemon: DaemonProcess, wanted: 'available' | 'unavailable', timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assert.equal(daemon.child.exitCode, null, `daemon exited:\n${daemon.output()}`);
    const res = await fetch(`${daemon.baseUrl}/healthz`);
    assert.equal(res.status, 200, 'the daemon keeps answering');
    const body = (await res.json()) as { docker: string };
    if (body.docker === wanted) return;
    if (Date.now() > deadline) assert.fail(`docker never became ${wanted}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the daemon survives the Docker engine going away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-engine-loss-'));
  const proxySocket = join(dir, 'docker.sock');
  let proxy: SocketProxy;
  let daemon: DaemonProcess;

  before(async () => {
    const endpoint = testDockerEndpoint();
    assert.equal(endpoint.kind, 'socket', 'this test needs a unix-socket engine');
    proxy = await startSocketProxy(endpoint.socketPath, proxySocket);
    daemon = await startDaemonProcess({ env: { DOCKER_HOST: `unix://${proxySocket}` } });
  });
  after(async () => {
    await daemon?.stop();
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the engine, loses it without crashing, and reconnects on its own', async () => {
    await waitForDocker(daemon, 'available', 10_000);
    await proxy.stop();
    // The daemon re-checks a healthy engine every 15 s; give it one interval and a margin.
    await waitForDocker(daemon, 'unavailable', 25_000);
    const login = await fetch(`${daemon.baseUrl}/login`, { headers: { accept: 'text/html' } });
    assert.equal(login.status, 200);
    assert.match(await login.text(), /Docker is unavailable/);
    await proxy.start();
    await waitForDocker(daemon, 'available', 15_000);
    assert.doesNotMatch(daemon.output(), /unhandled|uncaught/i);
  });
});
