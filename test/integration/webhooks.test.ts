/**
 * Webhooks from git hosts and the generic deploy hook, against a real daemon: payloads in each provider's
 * recorded shape (test/fixtures/webhooks), signed the way each provider signs, deploy the announced commit
 * of a git-source service (fetched from a real git server); wrong or missing signatures get 401 and leave no
 * trace; a redelivery deploys nothing; other branches are only logged. One daemon, tests in order.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { mustGit } from '../helpers/git-cli.js';
import { get } from '../helpers/load.js';

type Provider = 'github' | 'gitlab' | 'gitea' | 'bitbucket';
const HOST = 'web-hooked.localhost';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8');
const recordedHeaders = JSON.parse(fixture('headers.json')) as Record<Provider, Record<string, string>>;

/** The provider's payload for a push of `sha` to `branch`, and the headers it would send, signed with `secret`. */
function delivery(provider: Provider, sha: string, secret: string, options: { branch?: string; id?: string } = {}) {
  const branch = options.branch ?? 'main';
  type Payload = { ref?: string; push?: { changes: Array<{ new: { name: string } }> } };
  const payload = JSON.parse(fixture(`${provider}-push.json`).replaceAll('"SHA"', `"${sha}"`)) as Payload;
  if (provider === 'bitbucket') payload.push!.changes[0]!.new.name = branch;
  else payload.ref = `refs/heads/${branch}`;
  const body = JSON.stringify(payload);
  const hmac = createHmac('sha256', secret).update(body).digest('hex');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...recordedHeaders[provider] };
  const idHeader = {
    github: 'x-github-delivery',
    gitlab: 'x-gitlab-event-uuid',
    gitea: 'x-gitea-delivery',
    bitbucket: 'x-request-uuid',
  }[provider];
  headers[idHeader] = options.id ?? `${provider}-${sha.slice(0, 12)}-${Math.random().toString(36).slice(2)}`;
  if (provider === 'github') headers['x-hub-signature-256'] = `sha256=${hmac}`;
  if (provider === 'gitea') headers['x-gitea-signature'] = hmac;
  if (provider === 'bitbucket') headers['x-hub-signature'] = `sha256=${hmac}`;
  if (provider === 'gitlab') headers['x-gitlab-token'] = secret;
  return { body, headers };
}

describe('webhooks and deploy hooks', () => {
  let h: Harness;
  let gitServer: GitServer;
  let repo: TestRepo;
  let serviceId: string;
  let info: { webhookUrl: string; webhookSecret: string; deployHookUrl: string };
  /** The commits the provider tests deployed, in order. */
  const deployedShas: string[] = [];
  let neverRan = '';
  let tipSha = '';

  const post = async (url: string, d: { body: string; headers: Record<string, string> }) => {
    const response = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const deploymentCount = async () => (await h.api<unknown[]>('GET', `/services/${serviceId}/deployments`)).body.length;
  const deliveries = async () =>
    (await h.api<{ deliveries: Array<Record<string, unknown>> }>('GET', `/services/${serviceId}/git`)).body.deliveries;

  before(async () => {
    gitServer = await startGitServer();
    repo = await gitServer.createRepo('hooked-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'hook-0\n' });
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ serviceId } = await createFixtureService(h.api, { project: 'hooked', service: 'web', repoUrl: repo.url }));
    const git = await h.api<typeof info>('GET', `/services/${serviceId}/git`);
    assert.equal(git.status, 200);
    info = git.body;
    assert.match(info.webhookSecret, /^whsec_/);
    // The daemon's public URL is its default; the test talks to the panel port it really listens on.
    const path = (url: string) => new URL(url).pathname + new URL(url).search;
    info = {
      ...info,
      webhookUrl: h.panelUrl + path(info.webhookUrl),
      deployHookUrl: h.panelUrl + path(info.deployHookUrl),
    };
  });
  after(async () => {
    await h?.close();
    await gitServer?.close();
  });

  for (const [i, provider] of (['github', 'gitlab', 'gitea', 'bitbucket'] as const).entries()) {
    it(`deploys the pushed commit announced by a signed ${provider} webhook`, async () => {
      const sha = await repo.commit({ VERSION: `hook-${i + 1}\n` }, `release by ${provider}`);
      deployedShas.push(sha);
      const result = await post(info.webhookUrl, delivery(provider, sha, info.webhookSecret));
      assert.equal(result.status, 202, JSON.stringify(result.body));
      assert.equal(result.body.outcome, 'deployed');
      const deployment = await h.waitForDeployment(result.body.deploymentId as string);
      assert.equal(deployment.status, 'active', String(deployment.error));
      assert.equal(deployment.trigger, 'webhook');
      assert.deepEqual(deployment.commit, {
        sha,
        message: `release by ${provider}`,
        author: 'Berth Test <test@berth.invalid>',
      });
      assert.equal((await get(h.proxyPort, HOST, '/')).body, `hook-${i + 1}`);
    });
  }

  it('does not roll the service back when a captured old push body is replayed under a new delivery id', async () => {
    const count = await deploymentCount();
    for (const provider of ['github', 'gitea'] as const) {
      const replay = await post(info.webhookUrl, delivery(provider, deployedShas[0]!, info.webhookSecret));
      assert.equal(replay.status, 200, JSON.stringify(replay.body));
      assert.equal(replay.body.deploymentId, null);
      assert.match(
        String(replay.body.outcome),
        new RegExp(
          `^ignored: ${deployedShas[0]!.slice(0, 12)} is older than the running ${deployedShas[3]!.slice(0, 12)}`,
        ),
      );
    }
    const running = await post(info.webhookUrl, delivery('gitlab', deployedShas[3]!, info.webhookSecret));
    assert.match(String(running.body.outcome), /^ignored: [0-9a-f]{12} is already running/);
    assert.equal(await deploymentCount(), count);
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'hook-4');
    const [latest] = await deliveries();
    assert.match(String(latest?.outcome), /^ignored: .* already running/);
  });

  it("deploys the branch's tip fetched at deploy time, not the commit a (replayed) body names", async () => {
    const older = await repo.commit({ VERSION: 'never-announced\n' }, 'not announced');
    const tip = await repo.commit({ VERSION: 'hook-tip\n' }, 'the tip');
    [neverRan, tipSha] = [older, tip];
    const result = await post(info.webhookUrl, delivery('github', older, info.webhookSecret));
    assert.equal(result.status, 202, JSON.stringify(result.body));
    const deployment = await h.waitForDeployment(result.body.deploymentId as string);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal((deployment.commit as { sha: string }).sha, tip);
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'hook-tip');
  });

  it('skips a webhook when the tip it fetches is a commit older than the running one (branch reset back)', async () => {
    await mustGit(['--git-dir', repo.path, 'update-ref', 'refs/heads/main', deployedShas[0]!], repo.path);
    try {
      const result = await post(info.webhookUrl, delivery('gitea', neverRan, info.webhookSecret));
      assert.equal(result.status, 202, JSON.stringify(result.body));
      const deployment = await h.waitForDeployment(result.body.deploymentId as string);
      assert.equal(deployment.status, 'superseded', String(deployment.error));
      assert.match(String(deployment.error), /^Skipped: the branch tip [0-9a-f]{12} is older than the running commit/);
      assert.equal((await get(h.proxyPort, HOST, '/')).body, 'hook-tip');
    } finally {
      await mustGit(['--git-dir', repo.path, 'update-ref', 'refs/heads/main', tipSha], repo.path);
    }
  });

  it('answers 401 to a wrong or missing signature and records nothing', async () => {
    const before = { deployments: await deploymentCount(), deliveries: (await deliveries()).length };
    for (const provider of ['github', 'gitlab', 'gitea', 'bitbucket'] as const) {
      const wrong = delivery(provider, repo.sha, 'whsec_not-the-secret');
      assert.equal((await post(info.webhookUrl, wrong)).status, 401, provider);
      const unsigned = delivery(provider, repo.sha, info.webhookSecret);
      for (const name of ['x-hub-signature-256', 'x-gitea-signature', 'x-hub-signature', 'x-gitlab-token'])
        delete unsigned.headers[name];
      assert.equal((await post(info.webhookUrl, unsigned)).status, 401, `${provider} unsigned`);
      // A body changed after signing no longer matches.
      const tampered = delivery(provider, repo.sha, info.webhookSecret);
      if (provider !== 'gitlab') {
        assert.equal(
          (await post(info.webhookUrl, { ...tampered, body: tampered.body.replace('main', 'mainx') })).status,
          401,
        );
      }
    }
    assert.equal(await deploymentCount(), before.deployments);
    assert.equal((await deliveries()).length, before.deliveries);
  });

  it('does not deploy a redelivery twice', async () => {
    const sha = await repo.commit({ VERSION: 'hook-again\n' }, 'redelivered');
    const first = delivery('github', sha, info.webhookSecret, { id: 'redelivery-1' });
    const one = await post(info.webhookUrl, first);
    assert.equal(one.status, 202);
    const count = await deploymentCount();
    const two = await post(info.webhookUrl, first);
    assert.equal(two.status, 200);
    assert.equal(two.body.duplicate, true);
    assert.equal(two.body.deploymentId, one.body.deploymentId);
    assert.equal(await deploymentCount(), count);
    await h.waitForDeployment(one.body.deploymentId as string);
  });

  it('logs a push to another branch without deploying it', async () => {
    const count = await deploymentCount();
    for (const provider of ['github', 'bitbucket'] as const) {
      const result = await post(
        info.webhookUrl,
        delivery(provider, repo.sha, info.webhookSecret, { branch: 'feature' }),
      );
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.match(String(result.body.outcome), /ignored: Berth deploys main/);
    }
    const evil = await post(info.webhookUrl, delivery('gitea', repo.sha, info.webhookSecret, { branch: 'main;id' }));
    assert.equal(evil.status, 200);
    assert.match(String(evil.body.outcome), /^ignored/);
    assert.equal(await deploymentCount(), count);
    const [latest] = await deliveries();
    assert.equal(latest?.branch, 'main;id');
    assert.equal(latest?.commitSha, repo.sha);
  });

  it('deploys through the generic deploy hook with its token only', async () => {
    const count = await deploymentCount();
    const wrong = await fetch(info.deployHookUrl.replace(/token=[^&]+/, 'token=dhk_wrong'), { method: 'POST' });
    assert.equal(wrong.status, 401);
    const noToken = await fetch(info.deployHookUrl.replace(/\?.*$/, ''), { method: 'POST' });
    assert.equal(noToken.status, 401);
    const bad = await fetch(`${info.deployHookUrl}&commit=--upload-pack=x`, { method: 'POST' });
    assert.equal(bad.status, 422);
    assert.equal(await deploymentCount(), count);
    const sha = await repo.commit({ VERSION: 'from-ci\n' }, 'from CI');
    const ok = await fetch(`${info.deployHookUrl}&commit=${sha}`, { method: 'POST' });
    assert.equal(ok.status, 202);
    const { deploymentId } = (await ok.json()) as { deploymentId: string };
    const deployment = await h.waitForDeployment(deploymentId);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal((await get(h.proxyPort, HOST, '/')).body, 'from-ci');
  });

  it('shows the delivery log in the API with time, event, branch, commit and outcome', async () => {
    const log = await deliveries();
    const github = log.find((d) => d.provider === 'github' && d.outcome === 'deployed');
    assert.ok(github, JSON.stringify(log));
    assert.equal(github.event, 'push');
    assert.equal(github.branch, 'main');
    assert.match(String(github.commitSha), /^[0-9a-f]{40}$/);
    assert.match(String(github.createdAt), /^\d{4}-\d\d-\d\dT/);
    assert.ok(log.some((d) => d.provider === 'deploy-hook'));
  });
});
