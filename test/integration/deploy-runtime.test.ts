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
import { get } from '../helpers/load.js';

describe('deploy runtime behaviour', () => {
  let h: Harness;
  let git: GitServer;
  let nodeRepo: TestRepo;
  let exposedRepo: TestRepo;

  before(async () => {
    git = await startGitServer();
    nodeRepo = await git.createRepo('release-app', fixtureFiles('dockerfile-app'));
    exposedRepo = await git.createRepo('exposed-app', fixtureFiles('exposed-port'));
    h = await startHarness();
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
});
