/**
 * Crash safety with a real daemon process: `kill -9` during a build, apps keep serving while the daemon is
 * down, and a restart on the same data dir marks the deployment interrupted, removes what it left behind,
 * rebuilds the routes from the database and deploys normally again.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataPaths } from '../../src/data-dir.js';
import {
  apiClient,
  containersWithLabels,
  createAdminToken,
  hasImage,
  inspectContainer,
  removeProjectDockerObjects,
  TERMINAL_STATUSES,
  type ApiClient,
  createFixtureService,
} from '../helpers/daemon-api.js';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { fixtureFiles } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST = 'web-crash.localhost';
const DOCKERFILE = fixtureFiles('dockerfile-app').Dockerfile!;
/** The fixture's Dockerfile with a 30 s step after the copy, so a deployment sits in `building`. */
const SLOW_DOCKERFILE = DOCKERFILE.replace('COPY . .\n', 'COPY . .\nRUN ["sleep", "30"]\n');

describe('a daemon killed with SIGKILL during a build', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-recovery-'));
  let env: Record<string, string>;
  let git: GitServer;
  let repo: TestRepo;
  let daemon: DaemonProcess | undefined;
  let api: ApiClient;
  let proxyPort: number;
  let serviceId: string;
  let activeId: string;
  let interruptedId: string;

  const answer = async () => (await get(proxyPort, HOST)).body;
  const killDaemon = async () => {
    const exited = new Promise((resolve) => daemon!.child.once('exit', resolve));
    daemon!.child.kill('SIGKILL');
    await exited;
  };
  const restartDaemon = async () => {
    daemon = await startDaemonProcess({ dataDir, env });
    api.baseUrl = daemon.baseUrl;
  };

  before(async () => {
    assert.notEqual(SLOW_DOCKERFILE, DOCKERFILE, 'the fixture Dockerfile has a COPY line to extend');
    git = await startGitServer();
    repo = await git.createRepo('crash-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    proxyPort = await freePort();
    env = {
      BERTH_HTTP_PORT: String(proxyPort),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_ALLOW_PRIVATE_SOURCES: 'true',
      BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
      BERTH_STABILISATION_SECONDS: '1',
      BERTH_DRAIN_TIMEOUT_SECONDS: '5',
    };
    daemon = await startDaemonProcess({ dataDir, env });
    api = apiClient(daemon.baseUrl, await createAdminToken(dataDir));
  });

  after(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.stop();
    await removeProjectDockerObjects(api?.projectIds ?? []);
    await git?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deploys v1, which answers through the proxy', async () => {
    ({ serviceId } = await createFixtureService(api.request, { project: 'crash', service: 'web', repoUrl: repo.url }));
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await api.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    activeId = deployment.id;
    assert.equal(await answer(), 'v1');
  });

  it('keeps the app container serving while the daemon is dead', async () => {
    await repo.commit({ Dockerfile: SLOW_DOCKERFILE, VERSION: 'v2\n' }, 'slow build');
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    interruptedId = created.body.id;
    await api.waitForDeployment(interruptedId, (d) => d.status === 'building' || TERMINAL_STATUSES.includes(d.status));
    // Kill while the slow step itself runs, not while the context is still being sent.
    await api.waitForLogLine(interruptedId, /RUN \["sleep", "30"\]/);
    assert.equal(
      (await api.request<{ status: string }>('GET', `/deployments/${interruptedId}`)).body.status,
      'building',
    );
    assert.ok(existsSync(join(dataPaths(dataDir).builds, interruptedId)), 'the build has a working copy');

    await killDaemon();

    // The proxy died with the daemon, so ask the app container itself, on its project network address.
    const containers = await containersWithLabels({ 'berth.service': serviceId });
    assert.deepEqual(
      containers.map((c) => [c.labels['berth.deployment'], c.state]),
      [[activeId, 'running']],
    );
    const details = await inspectContainer(containers[0]!.id);
    const address = Object.values(details?.ipAddresses ?? {})[0];
    assert.ok(address, 'the app container has an address');
    const direct = await fetch(`http://${address}:3000/`);
    assert.equal(await direct.text(), 'v1');
  });

  it('on restart marks the deployment interrupted, cleans up after it and routes v1 again', async () => {
    await restartDaemon();

    const interrupted = await api.waitForDeployment(interruptedId, () => true);
    assert.equal(interrupted.status, 'interrupted');
    assert.match(String(interrupted.error), /daemon stopped/i);
    assert.ok(interrupted.finishedAt, 'the interrupted deployment has an end time');
    assert.deepEqual(await containersWithLabels({ 'berth.deployment': interruptedId }), []);
    assert.equal(existsSync(join(dataPaths(dataDir).builds, interruptedId)), false, 'the working copy is removed');
    const logs = await api.request<{ lines: string[]; isLive: boolean }>('GET', `/deployments/${interruptedId}/logs`);
    assert.equal(logs.status, 200);
    assert.equal(logs.body.isLive, false);
    assert.match(logs.body.lines.join('\n'), /--- building/, 'the log written before the crash is kept');
    assert.match(logs.body.lines.at(-1) ?? '', /daemon stopped during this deployment; it was marked interrupted/);

    const previous = await api.waitForDeployment(activeId, () => true);
    assert.equal(previous.status, 'active');
    assert.equal(await answer(), 'v1', 'the new daemon rebuilt the route from the database');
    assert.match(daemon!.output(), /marked interrupted deployments/);
  });

  it('removes the new container of a deployment killed during its health check', async () => {
    const patched = await api.request('PATCH', `/services/${serviceId}`, {
      healthcheck: { path: '/missing', timeoutSeconds: 60 },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await repo.commit({ Dockerfile: DOCKERFILE, VERSION: 'v3\n' }, 'fast build again');
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const checking = await api.waitForDeployment(
      created.body.id,
      (d) => d.status === 'healthy' || TERMINAL_STATUSES.includes(d.status),
    );
    assert.equal(checking.status, 'healthy');
    const started = await containersWithLabels({ 'berth.deployment': created.body.id });
    assert.equal(started.length, 1, 'the new container runs beside the old one');
    const image = `berth/${serviceId}:${created.body.id}`;
    assert.equal(await hasImage(image), true);

    await killDaemon();
    await restartDaemon();

    const interrupted = await api.waitForDeployment(created.body.id, () => true);
    assert.equal(interrupted.status, 'interrupted');
    assert.deepEqual(await containersWithLabels({ 'berth.deployment': created.body.id }), []);
    assert.equal(await hasImage(image), false, 'the image of the interrupted deployment is removed');
    assert.equal((await api.request<{ status: string }>('GET', `/deployments/${activeId}`)).body.status, 'active');
    assert.equal(await answer(), 'v1');
  });

  it('deploys normally after the restarts', async () => {
    const restored = await api.request('PATCH', `/services/${serviceId}`, {
      healthcheck: { path: '/healthz', timeoutSeconds: 30 },
    });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await api.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal(await answer(), 'v3');
    assert.equal((await api.request<{ status: string }>('GET', `/deployments/${activeId}`)).body.status, 'replaced');
    // `active` is recorded at the switch; the old container is drained and removed just after.
    const deadline = Date.now() + 30_000;
    let left: string[];
    do {
      await new Promise((r) => setTimeout(r, 200));
      left = (await containersWithLabels({ 'berth.service': serviceId })).map((c) => c.labels['berth.deployment']!);
    } while (left.length > 1 && Date.now() < deadline);
    assert.deepEqual(left, [created.body.id]);
  });
});
