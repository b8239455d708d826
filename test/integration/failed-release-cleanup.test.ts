/**
 * A deployment that fails while the Docker engine is away must not keep running: the engine is cut (a
 * socket forwarder in front of the real one stops) during the stabilisation window after the switch, the
 * traffic goes back to the old version and the deployment is
 * recorded failed but its container cannot be removed then; once the engine is back, Berth finishes the
 * clean-up on its own (container and built image gone) and the old version keeps serving.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels, createFixtureService, hasImage, waitForLogLine } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startSocketProxy, testDockerEndpoint, type SocketProxy } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST = 'web-faulty.localhost';

describe('a deployment that fails while the engine is away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-failed-release-'));
  const socket = join(dir, 'docker.sock');
  let engine: SocketProxy;
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;

  before(async () => {
    const endpoint = testDockerEndpoint();
    assert.equal(endpoint.kind, 'socket', 'this test needs a unix-socket engine');
    engine = await startSocketProxy(endpoint.socketPath, socket);
    git = await startGitServer();
    repo = await git.createRepo('faulty-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({ DOCKER_HOST: `unix://${socket}`, BERTH_STABILISATION_SECONDS: '4' });
  });
  after(async () => {
    await engine?.start();
    await h?.close();
    await git?.close();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is cleaned up once the engine is back: no container, no image, the old version serves', async () => {
    const { serviceId } = await createFixtureService(h.api, { project: 'faulty', service: 'web', repoUrl: repo.url });
    const first = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal((await h.waitForDeployment(first.body.id)).status, 'active');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1');

    await repo.commit({ VERSION: 'v2\n' }, 'release v2');
    const second = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    await waitForLogLine(h.api, second.body.id, /Switched: .* watching them for 4 s/, 180_000);
    await engine.stop();
    const failed = await h.waitForDeployment(second.body.id, 60_000);
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /Docker is unavailable/);
    // The fault: with the engine away nothing could be removed, and the container keeps running.
    const left = await containersWithLabels({ 'berth.deployment': second.body.id });
    assert.equal(left.length, 1, 'the failed container is still there while the engine is away');
    assert.equal(left[0]!.state, 'running');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1', 'the old version serves through the proxy');

    await engine.start();
    const image = `berth/${serviceId}:${second.body.id}`;
    const deadline = Date.now() + 30_000;
    let containers = left;
    let imageLeft = true;
    while (Date.now() < deadline) {
      containers = await containersWithLabels({ 'berth.deployment': second.body.id });
      imageLeft = await hasImage(image);
      if (containers.length === 0 && !imageLeft) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(
      containers.map((c) => c.name),
      [],
      'the failed container is removed after the engine came back',
    );
    assert.equal(imageLeft, false, 'the image of the failed deployment is removed');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1');
    const active = await containersWithLabels({ 'berth.deployment': first.body.id });
    assert.equal(active.length, 1, 'the serving container is left alone');
  });
});
