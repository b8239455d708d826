/**
 * What the runtime does around a deploy, end to end (real git server, real builds, real proxy): the
 * project network exists before the release step, every container gets log rotation, the port comes
 * from the image's EXPOSE when none is set, and a crash-looping app is answered 503 at once and shown
 * as crashed. One daemon for the file; the tests build on each other in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels } from '../helpers/daemon-api.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { docker } from '../helpers/install-harness.js';
import { InjectClient } from '../helpers/inject-client.js';
import { get } from '../helpers/load.js';

type CrashState = {
  state: string;
  running: number;
  crash: { exitCode: number | null; restartCount: number; lastLines: string[] } | null;
};

describe('deploy runtime behaviour', () => {
  let h: Harness;
  let git: GitServer;
  let nodeRepo: TestRepo;
  let exposedRepo: TestRepo;
  let exposedServiceId: string;
  let panel: InjectClient;

  before(async () => {
    git = await startGitServer();
    nodeRepo = await git.createRepo('release-app', fixtureFiles('dockerfile-app'));
    exposedRepo = await git.createRepo('exposed-app', fixtureFiles('exposed-port'));
    h = await startHarness();
    panel = new InjectClient(h.daemon.app);
    const login = await panel.postForm('/login', { _csrf: await panel.csrfFrom('/login'), ...h.admin });
    assert.equal(login.statusCode, 303);
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  /** A new project with one git service; `settings` go into the create request as they are. */
  async function createService(project: string, repo: TestRepo, settings: Record<string, unknown> = {}) {
    const created = await h.api<{ id: string }>('POST', '/projects', { name: project });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const service = await h.api<{ id: string; port: number | null }>('POST', `/projects/${created.body.id}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
      build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
      ...settings,
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    return { projectId: created.body.id, serviceId: service.body.id, port: service.body.port };
  }

  async function deploy(serviceId: string) {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id);
  }

  async function logOf(deploymentId: string): Promise<string> {
    return (await h.api<{ lines: string[] }>('GET', `/deployments/${deploymentId}/logs`)).body.lines.join('\n');
  }

  it("runs a brand new project's first deploy with a release command, and rotates its containers' logs", async () => {
    const { projectId, serviceId } = await createService('fresh', nodeRepo, {
      port: 3000,
      releaseCommand: 'node -e "console.log(\'migrating the schema\')"',
      healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
    });
    const deployment = await deploy(serviceId);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.match(await logOf(String(deployment.id)), /release \| migrating the schema/);
    assert.equal((await get(h.proxyPort, 'web-fresh.localhost', '/')).status, 200);

    const [app] = (await containersWithLabels({ 'berth.project': projectId })).filter((c) => c.state === 'running');
    assert.ok(app, 'the app container runs');
    const inspected = await docker(['inspect', '--format', '{{json .HostConfig.LogConfig}}', app.id]);
    assert.deepEqual(JSON.parse(inspected.stdout), {
      Type: 'json-file',
      Config: { 'max-size': '10m', 'max-file': '3' },
    });
  });

  it("uses the image's EXPOSE when the service sets no port", async () => {
    const { serviceId, port } = await createService('exposed', exposedRepo);
    assert.equal(port, null, 'no port set');
    exposedServiceId = serviceId;
    const deployment = await deploy(serviceId);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.match(await logOf(String(deployment.id)), /listens on port 8080 \(no port is set; the image exposes 8080\)/);
    const answer = await get(h.proxyPort, 'web-exposed.localhost', '/');
    assert.deepEqual(answer, { status: 200, body: 'listening on 8080; PORT=8080' });
  });

  it('says which port to set when the health check is refused on a port the image does not expose', async () => {
    const { serviceId } = await createService('wrongport', exposedRepo, {
      port: 3000,
      healthcheck: { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 5 },
    });
    const deployment = await deploy(serviceId);
    assert.equal(deployment.status, 'failed');
    assert.match(
      String(deployment.error),
      /connection refused on 3000; the image exposes 8080 — set the port to 8080/,
      String(deployment.error),
    );
    assert.match(await logOf(String(deployment.id)), /set the port to 8080/);
  });

  it('answers 503 at once for an app whose container crash-loops, and shows it as crashed with its exit code', async () => {
    assert.equal((await get(h.proxyPort, 'web-exposed.localhost', '/crash')).body, 'crashing');
    // From now on the app exits with code 3 at every start; the engine keeps restarting it with back-off.
    let state: CrashState | undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      state = (await h.api<CrashState>('GET', `/services/${exposedServiceId}/status`)).body;
      if (state.state === 'crashed' && state.crash?.exitCode === 3 && state.crash.restartCount >= 3) break;
      assert.ok(Date.now() < deadline, `not seen crash-looping: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(
      state.crash?.lastLines.some((line) => line.includes('refusing to start')),
      JSON.stringify(state.crash?.lastLines),
    );

    await new Promise((r) => setTimeout(r, 1500)); // the proxy's view follows the engine within a second
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const answer = await get(h.proxyPort, 'web-exposed.localhost', '/');
      const ms = Date.now() - started;
      assert.equal(answer.status, 503, `request ${i}: ${answer.status} after ${ms} ms`);
      assert.match(answer.body, /not running right now/);
      assert.ok(ms < 1000, `answered after ${ms} ms`);
    }

    const badgeResponse = await panel.get(`/services/${exposedServiceId}/status`, { 'hx-request': 'true' });
    assert.equal(badgeResponse.statusCode, 200, badgeResponse.body);
    const badge = badgeResponse.body;
    assert.match(badge, /class="status status-failed"/);
    assert.match(badge, /crashed<\/span> · exit code 3 · restarted \d+×/);
    assert.match(badge, /refusing to start/);
  });
});
