/**
 * Deploying from git end to end: real git server on 127.0.0.1, real builds on the Docker engine, real
 * HTTP through Berth's proxy. One daemon for the whole file; the tests build on each other in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get, startLoad } from '../helpers/load.js';

const HOST = 'web-shop.localhost';
const TRICKY = 'line one\nline two $HOME ${{not.a.ref}} "double" \'single\' `tick` \\ back\ttab é 🚢';

describe('deploying an app from git', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let serviceId: string;
  let firstDeploymentId: string;
  const deploymentOf: Record<string, string> = {};

  const deploy = async () => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id);
  };
  const commitVersion = (version: string) => repo.commit({ VERSION: `${version}\n` }, `release ${version}`);
  const answer = async (path = '/') => (await get(h.proxyPort, HOST, path)).body;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('shop-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('creates a project and a git service, deploys it, and the app answers through the proxy', async () => {
    ({ serviceId } = await createFixtureService(h.api, { project: 'shop', service: 'web', repoUrl: repo.url }));
    const vars = await h.api('PUT', `/services/${serviceId}/variables`, { TRICKY, GREETING: 'hello' });
    assert.equal(vars.status, 200, JSON.stringify(vars.body));

    const deployment = await deploy();
    assert.equal(deployment.status, 'active', String(deployment.error));
    firstDeploymentId = deployment.id as string;
    assert.match(String(deployment.url), /^http:\/\/web-shop\.localhost:\d+$/);
    assert.equal((deployment.commit as { sha: string }).sha, repo.sha);
    assert.equal(await answer(), 'v1');
  });

  it('passes variables to the app byte for byte', async () => {
    assert.equal(await answer('/env/TRICKY'), TRICKY);
    assert.equal(await answer('/env/GREETING'), 'hello');
    assert.equal(await answer('/env/PORT'), '3000');
  });

  it('keeps the build log, with the build lines and the URL, and closes it once the work is done', async () => {
    // The deployment is active from the switch on; clean-up after it (old containers, image retention)
    // still writes to the log, which then closes. Bounded wait for that end.
    const deadline = Date.now() + 30_000;
    let logs = await h.api<{ lines: string[]; isLive: boolean }>('GET', `/deployments/${firstDeploymentId}/logs`);
    while (logs.body.isLive && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      logs = await h.api('GET', `/deployments/${firstDeploymentId}/logs`);
    }
    assert.equal(logs.status, 200);
    const text = logs.body.lines.join('\n');
    assert.match(text, /--- building/);
    assert.match(text, /Step \d+\/\d+ : FROM/);
    assert.match(text, /Live at http:\/\/web-shop\.localhost/);
    assert.equal(logs.body.isLive, false, 'the log was still open 30 s after the deployment went live');
  });

  it('redeploys new commits five times under 50 keep-alive connections without a failed request', async () => {
    const load = startLoad({ port: h.proxyPort, host: HOST, connections: 50, maxSeconds: 300 });
    try {
      for (const version of ['v2', 'v3', 'v4', 'v5', 'v6']) {
        await commitVersion(version);
        const deployment = await deploy();
        assert.equal(deployment.status, 'active', String(deployment.error));
        deploymentOf[version] = deployment.id as string;
        assert.equal(await answer(), version);
      }
    } finally {
      const result = await load.stop();
      assert.equal(result.failed, 0, `failed requests: ${result.errors.join(' | ')}`);
      assert.ok(result.ok > 500, `only ${result.ok} requests went through`);
      assert.deepEqual(result.bodies, ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], 'versions switch in order, never back');
    }
  });

  it('lets an in-flight slow request finish across a switch', async () => {
    await commitVersion('v7');
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    const slow = get(h.proxyPort, HOST, '/slow?ms=6000');
    const deployment = await h.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active');
    const result = await slow;
    assert.equal(result.status, 200);
    assert.equal(result.body, 'slept 6000 ms (v6)', 'served by the old version, which was drained, not killed');
    assert.equal(await answer(), 'v7');
  });

  it('a failing health check fails the deployment with a reason and the old version keeps serving', async () => {
    await h.api('PATCH', `/services/${serviceId}`, { healthcheck: { path: '/missing', timeoutSeconds: 5 } });
    await commitVersion('v8-unhealthy');
    const deployment = await deploy();
    assert.equal(deployment.status, 'failed');
    assert.match(String(deployment.error), /Health check failed: .*GET \/missing answered 404/);
    assert.equal(await answer(), 'v7');
    await h.api('PATCH', `/services/${serviceId}`, { healthcheck: { path: '/healthz', timeoutSeconds: 30 } });
  });

  it('a container that crashes right after start fails the deployment and the old version keeps serving', async () => {
    await repo.commit({ 'server.mjs': fixtureFiles('crasher')['server.mjs']! }, 'crash on purpose');
    await h.api('PUT', `/services/${serviceId}/variables`, { TRICKY, GREETING: 'hello', CRASH_AFTER_MS: '1000' });
    const deployment = await deploy();
    assert.equal(deployment.status, 'failed');
    assert.match(String(deployment.error), /(exited|restarted).* during the 3 s stabilisation window after the switch/);
    assert.equal(await answer(), 'v7');
    const logs = await h.api<{ lines: string[] }>('GET', `/deployments/${deployment.id as string}/logs`);
    assert.match(logs.body.lines.join('\n'), /The previous version keeps serving/);
  });

  it('rolls back to an earlier deployment, which serves its old answer again', async () => {
    const rollback = await h.api<{ id: string }>('POST', `/deployments/${deploymentOf.v4}/rollback`);
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
    const deployment = await h.waitForDeployment(rollback.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal(deployment.rollbackOf, deploymentOf.v4);
    assert.equal(await answer(), 'v4');
    const list = await h.api<Array<{ status: string }>>('GET', `/services/${serviceId}/deployments`);
    assert.equal(list.body.filter((d) => d.status === 'active').length, 1, 'exactly one active deployment');
  });

  it('refuses a rollback to a deployment whose image retention removed, saying why', async () => {
    const rollback = await h.api<{ error: { message: string } }>('POST', `/deployments/${firstDeploymentId}/rollback`);
    assert.equal(rollback.status, 409);
    assert.match(rollback.body.error.message, /no longer on this server \(Berth keeps the last 5 per service\)/);
  });

  it('answers an unknown host with the proxy 404 page, not an app', async () => {
    const res = await get(h.proxyPort, 'nobody.localhost');
    assert.equal(res.status, 404);
    assert.doesNotMatch(res.body, /v\d/);
  });
});
