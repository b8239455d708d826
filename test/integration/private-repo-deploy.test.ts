/**
 * Deploying from a private repository: a git server on 127.0.0.1 that demands HTTP Basic credentials,
 * a service with a stored access token, real builds on the Docker engine and HTTP through the proxy.
 * A wrong or missing token fails the deployment quickly, with a reason, and never reaches the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST = 'web-vault.localhost';
const USERNAME = 'deploy-bot';
const TOKEN = 'glpat-privateCanary7f3a9c2e1d';
const WRONG_TOKEN = 'glpat-wrongCanary0b8e6d4c2a';
/** A failure must be reported well before this: nothing may wait for a password prompt. */
const FAILURE_DEADLINE_MS = 60_000;

describe('deploying a private git repository with a stored token', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let serviceId: string;

  const source = (credentials: unknown) => ({ type: 'git', url: repo.url, branch: 'main', credentials });
  const deploy = async (timeoutMs?: number) => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id, timeoutMs);
  };
  const logText = async (deploymentId: string) => {
    const logs = await h.api<{ lines: string[] }>('GET', `/deployments/${deploymentId}/logs`);
    assert.equal(logs.status, 200);
    return logs.body.lines.join('\n');
  };
  /** Every form the token takes on the wire. */
  const forms = (token: string) => [token, Buffer.from(`${USERNAME}:${token}`).toString('base64')];

  before(async () => {
    git = await startGitServer({ auth: { username: USERNAME, password: TOKEN } });
    repo = await git.createRepo('vault-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'private-v1\n' });
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('deploys with the right token and the app answers through the proxy', async () => {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'vault' });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    const service = await h.api<{ id: string; source: { credentials: unknown } }>(
      'POST',
      `/projects/${project.body.id}/services`,
      {
        name: 'web',
        source: source({ token: TOKEN, username: USERNAME }),
        healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
        build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
      },
    );
    assert.equal(service.status, 201, JSON.stringify(service.body));
    assert.deepEqual(service.body.source.credentials, { kind: 'token', username: USERNAME });
    serviceId = service.body.id;

    const deployment = await deploy();
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal((deployment.commit as { sha: string }).sha, repo.sha);
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'private-v1');
    assert.ok(
      git.requests.some((r) => r.withCredentials),
      'the token reached the git server (as a header, not in the URL)',
    );

    const text = await logText(deployment.id as string);
    for (const form of forms(TOKEN)) assert.ok(!text.includes(form), 'the token is not in the deployment log');
    assert.ok(!JSON.stringify(deployment).includes(TOKEN));
  });

  it('fails quickly with an authentication reason when the token is wrong, and the old version keeps serving', async () => {
    const patched = await h.api('PATCH', `/services/${serviceId}`, {
      source: source({ token: WRONG_TOKEN, username: USERNAME }),
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await repo.commit({ VERSION: 'private-v2\n' }, 'release v2');

    const started = Date.now();
    const deployment = await deploy(FAILURE_DEADLINE_MS);
    assert.ok(Date.now() - started < FAILURE_DEADLINE_MS, 'the failure did not hang');
    assert.equal(deployment.status, 'failed');
    assert.match(String(deployment.error), /refused the credentials/);
    assert.ok(!String(deployment.error).includes(WRONG_TOKEN));

    const text = await logText(deployment.id as string);
    for (const form of [...forms(WRONG_TOKEN), ...forms(TOKEN)]) {
      assert.ok(!text.includes(form), 'no token in the log of the failed deployment');
    }
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'private-v1');
  });

  it('fails the same way once the credentials are removed', async () => {
    const patched = await h.api<{ source: { credentials: unknown } }>('PATCH', `/services/${serviceId}`, {
      source: source(null),
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.source.credentials, null);

    const deployment = await deploy(FAILURE_DEADLINE_MS);
    assert.equal(deployment.status, 'failed');
    assert.match(String(deployment.error), /refused the credentials|asked for some/);
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'private-v1');
  });

  it('deploys the new commit once the right token is stored again', async () => {
    const patched = await h.api('PATCH', `/services/${serviceId}`, {
      source: source({ token: TOKEN, username: USERNAME }),
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const deployment = await deploy();
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'private-v2');
  });
});
