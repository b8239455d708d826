/**
 * Preview environments end to end (issue 18): the real git client pushes branches to the daemon's remote,
 * previews are built and run on the Docker engine beside production and answer through the app proxy on
 * their own hostnames; deleting the branch, a signed GitHub pull_request "closed" webhook for a git-URL
 * service (fetched from a real git server) and the TTL sweeper remove them completely (checked by label
 * on the engine). One daemon for the file; the tests build on each other in order. One TTL hour lasts
 * 2 s here (BERTH_PREVIEW_HOUR_SECONDS) and the sweeper runs every second.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { commitFiles, git, mustGit, workingRepo } from '../helpers/git-cli.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const run = promisify(execFile);

/** Ids of the engine's containers, volumes and networks labelled with this environment. */
async function leftOf(environmentId: string): Promise<string[]> {
  const filter = ['--filter', `label=berth.environment=${environmentId}`, '-q'];
  const lists = await Promise.all([
    run('docker', ['ps', '-a', ...filter]),
    run('docker', ['volume', 'ls', ...filter]),
    run('docker', ['network', 'ls', ...filter]),
  ]);
  return lists.flatMap((l) => l.stdout.split('\n').filter(Boolean));
}

interface Preview {
  id: string;
  name: string;
  branch: string;
  expiresAt: string | null;
  urls: Array<{ service: string; url: string }>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('preview environments', () => {
  let h: Harness;
  let work: string;
  let remote: string;
  let projectId: string;
  let webId: string;
  let featureEnvironmentId = '';
  let gitServer: GitServer;

  const answer = async (host: string) => get(h.proxyPort, host, '/');
  const previews = async (id = projectId) => (await h.api<Preview[]>('GET', `/projects/${id}/previews`)).body;
  const settings = (body: Record<string, unknown>, id = projectId) =>
    h.api<Record<string, unknown>>('PATCH', `/projects/${id}/preview-settings`, body);
  const push = (...args: string[]) => git(['push', remote, ...args], { cwd: work, timeoutMs: 240_000 });

  before(async () => {
    h = await startHarness({
      BERTH_STABILISATION_SECONDS: '1',
      BERTH_PREVIEW_SWEEP_SECONDS: '1',
      BERTH_PREVIEW_HOUR_SECONDS: '2',
      BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7',
    });
    ({ projectId, serviceId: webId } = await createFixtureService(h.api, { project: 'pv', push: true }));
    const database = await h.api('POST', `/projects/${projectId}/databases`, { name: 'cache', engine: 'redis' });
    assert.equal(database.status, 201, JSON.stringify(database.body));
    const token = (await h.api<{ token: string }>('POST', '/tokens', { name: 'push' })).body.token;
    remote = `http://git:${token}@${new URL(h.panelUrl).host}/git/pv/web.git`;
    work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'prod-1\n' }, 'Production');
    const result = await push('main');
    assert.equal(result.code, 0, result.output);
    assert.equal((await answer('web-pv.localhost')).body, 'prod-1');
  });
  after(async () => {
    await h?.close();
    await gitServer?.close();
  });

  it('stores another branch without a preview while previews are off (the default)', async () => {
    assert.deepEqual((await h.api('GET', `/projects/${projectId}/preview-settings`)).body, {
      enabled: false,
      ttlHours: 72,
      maxPreviews: 3,
      databases: 'empty',
      memoryMb: 256,
      allowForks: false,
    });
    await mustGit(['checkout', '--quiet', '-b', 'feature-x'], work);
    await commitFiles(work, { VERSION: 'feature-1\n' }, 'Feature one');
    const result = await push('feature-x');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Stored feature-x; not deployed/);
    assert.deepEqual(await previews(), []);
  });

  it('creates a preview of feature-x that answers on its own URL while production keeps its version', async () => {
    assert.equal((await settings({ enabled: true, ttlHours: 720 })).status, 200);
    const job = { name: 'nightly', schedule: '0 3 * * *', command: ['echo', 'nightly'] };
    assert.equal((await h.api('POST', `/services/${webId}/cron-jobs`, job)).status, 201);
    await commitFiles(work, { VERSION: 'feature-2\n' }, 'Feature two');
    const result = await push('feature-x');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: Creating the preview of feature-x \(environment feature-x\)/);
    const url = `http://web-feature-x-pv.localhost:${h.proxyPort}`;
    assert.match(result.output, new RegExp(`remote: Preview of feature-x: web at ${url}`));
    assert.equal((await answer('web-feature-x-pv.localhost')).body, 'feature-2');
    assert.equal((await answer('web-pv.localhost')).body, 'prod-1');
    const [preview, ...more] = await previews();
    assert.equal(more.length, 0);
    assert.equal(preview?.branch, 'feature-x');
    assert.deepEqual(preview?.urls, [{ service: 'web', url }]);
    featureEnvironmentId = preview!.id;
    // Its own database container (empty) and network, labelled with the preview environment.
    const databases = (await h.api<unknown[]>('GET', `/projects/${projectId}/databases`)).body;
    assert.equal(databases.length, 2, "production's database and the preview's own");
    const objects = await leftOf(featureEnvironmentId);
    assert.ok(objects.length >= 3, JSON.stringify(objects));
    // The app container is capped at the preview memory (256 MB by default).
    const apps = await run('docker', [
      'ps',
      '-q',
      '--filter',
      `label=berth.environment=${featureEnvironmentId}`,
      '--filter',
      'label=berth.deployment',
    ]);
    const [app] = apps.stdout.split('\n').filter(Boolean);
    const memory = await run('docker', ['inspect', '-f', '{{.HostConfig.Memory}}', app!]);
    assert.equal(memory.stdout.trim(), String(256 * 1024 * 1024));
    // Production's cron job is copied paused: a preview does not run production's jobs.
    const services = (
      await h.api<Array<{ id: string; environmentId: string }>>('GET', `/projects/${projectId}/services`)
    ).body;
    const copy = services.find((s) => s.environmentId === featureEnvironmentId)!;
    const jobs = await h.api<Array<{ name: string; enabled: boolean }>>('GET', `/services/${copy.id}/cron-jobs`);
    assert.deepEqual(
      jobs.body.map((j) => [j.name, j.enabled]),
      [['nightly', false]],
    );
  });

  it('a second push updates the preview and extends its TTL', async () => {
    const before = (await previews())[0]!.expiresAt!;
    await commitFiles(work, { VERSION: 'feature-3\n' }, 'Feature three');
    const result = await push('feature-x');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: Updating the preview of feature-x/);
    assert.equal((await answer('web-feature-x-pv.localhost')).body, 'feature-3');
    assert.equal((await answer('web-pv.localhost')).body, 'prod-1');
    const [preview] = await previews();
    assert.equal(preview?.id, featureEnvironmentId, 'the same preview');
    assert.ok(preview!.expiresAt! > before, `${preview!.expiresAt} after ${before}`);
  });

  it("the preview's app redeploys (its branch's pushed tip) and rolls back from the API like any app", async () => {
    const services = (
      await h.api<Array<{ id: string; environmentId: string }>>('GET', `/projects/${projectId}/services`)
    ).body;
    const copy = services.find((s) => s.environmentId === featureEnvironmentId)!;
    const plan = (
      await h.api<{ builtFrom: string; branch: string; commit: { sha: string } | null }>(
        'GET',
        `/services/${copy.id}/deployments/plan`,
      )
    ).body;
    const tip = (await mustGit(['rev-parse', 'HEAD'], work)).trim();
    assert.deepEqual([plan.builtFrom, plan.branch, plan.commit?.sha], ['push', 'feature-x', tip]);
    const history = (await h.api<Array<{ id: string; status: string }>>('GET', `/services/${copy.id}/deployments`))
      .body;
    const first = history.find((d) => d.status === 'replaced')!;
    const redeploy = await h.api<{ id: string }>('POST', `/services/${copy.id}/deployments`, {});
    assert.equal(redeploy.status, 201, JSON.stringify(redeploy.body));
    const redeployed = await h.waitForDeployment(redeploy.body.id);
    assert.equal(redeployed.status, 'active', String(redeployed.error));
    assert.equal((redeployed.commit as { sha: string }).sha, tip);
    assert.equal((await answer('web-feature-x-pv.localhost')).body, 'feature-3');
    const rollback = await h.api<{ id: string }>('POST', `/deployments/${first.id}/rollback`, {});
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
    assert.equal((await h.waitForDeployment(rollback.body.id)).status, 'active');
    assert.equal((await answer('web-feature-x-pv.localhost')).body, 'feature-2');
    assert.equal((await answer('web-pv.localhost')).body, 'prod-1');
  });

  it('refuses branches Berth cannot take or cannot name a hostname after, creating nothing', async () => {
    const plus = await push('HEAD:refs/heads/feature+x');
    assert.notEqual(plus.code, 0, plus.output);
    assert.match(plus.output, /Rejected: "feature\+x" is not a branch name Berth accepts/);
    const underscore = await push('HEAD:refs/heads/_');
    assert.notEqual(underscore.code, 0, underscore.output);
    assert.match(underscore.output, /Preview refused: The branch "_" has no letters or digits to name a preview after/);
    assert.equal((await previews()).length, 1);
  });

  it('refuses a preview beyond the cap with a clear message', async () => {
    assert.equal((await settings({ maxPreviews: 1 })).status, 200);
    const result = await push('HEAD:refs/heads/feature-y');
    assert.notEqual(result.code, 0, result.output);
    assert.match(
      result.output,
      /Preview refused: the project has 1 preview\(s\), the most its preview settings allow \(1\)/,
    );
    assert.equal((await previews()).length, 1);
    assert.equal((await answer('web-feature-y-pv.localhost')).status, 404);
    assert.equal((await settings({ maxPreviews: 3 })).status, 200);
  });

  it('deleting the branch removes the preview: containers, route, network, database, volumes', async () => {
    const result = await push(':feature-x');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: Deleted feature-x and removed its preview/);
    assert.equal((await answer('web-feature-x-pv.localhost')).status, 404);
    assert.equal((await answer('web-pv.localhost')).body, 'prod-1');
    assert.deepEqual(await previews(), []);
    assert.deepEqual(await leftOf(featureEnvironmentId), []);
    const databases = (await h.api<unknown[]>('GET', `/projects/${projectId}/databases`)).body;
    assert.equal(databases.length, 1, 'only production keeps its database');
  });

  it('removes a preview whose TTL ended', async () => {
    assert.equal((await settings({ ttlHours: 1 })).status, 200); // 2 s here
    await mustGit(['checkout', '--quiet', '-b', 'short-lived'], work);
    const result = await push('short-lived');
    assert.equal(result.code, 0, result.output);
    const id = await until('the preview', async () => (await previews())[0]?.id);
    await until('the sweeper', async () => ((await previews()).length === 0 ? true : undefined), 30_000);
    assert.equal((await answer('web-short-lived-pv.localhost')).status, 404);
    assert.deepEqual(await leftOf(id), []);
  });

  it('a signed GitHub pull_request webhook opens and closes a preview of a git-URL service', async () => {
    gitServer = await startGitServer();
    const repo: TestRepo = await gitServer.createRepo('pr-web', {
      ...fixtureFiles('dockerfile-app'),
      VERSION: 'main\n',
    });
    const sha = await repo.commit({ VERSION: 'pr-1\n' }, 'PR work', 'feature-pr');
    const created = await createFixtureService(h.api, { project: 'prj', repoUrl: repo.url });
    assert.equal((await settings({ enabled: true }, created.projectId)).status, 200);
    const info = (
      await h.api<{ webhookUrl: string; webhookSecret: string }>('GET', `/services/${created.serviceId}/git`)
    ).body;
    const hookUrl = h.panelUrl + new URL(info.webhookUrl).pathname;
    const send = async (action: string, headSha = sha, delivery = randomBytes(8).toString('hex')) => {
      const body = JSON.stringify({
        action,
        number: 5,
        pull_request: {
          number: 5,
          head: { ref: 'feature-pr', sha: headSha, repo: { full_name: 'acme/pr-web' } },
          base: { ref: 'main', sha: repo.sha, repo: { full_name: 'acme/pr-web' } },
        },
      });
      const signature = createHmac('sha256', info.webhookSecret).update(body).digest('hex');
      const response = await fetch(hookUrl, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': delivery,
          'x-hub-signature-256': `sha256=${signature}`,
        },
      });
      return (await response.json()) as { outcome: string; deploymentId: string | null; duplicate?: boolean };
    };
    const openedDelivery = randomBytes(8).toString('hex');
    const opened = await send('opened', sha, openedDelivery);
    assert.match(
      opened.outcome,
      /^preview of feature-pr created, deploying: http:\/\/web-feature-pr-prj\.localhost:\d+$/,
    );
    const deployment = await h.waitForDeployment(opened.deploymentId!, 180_000);
    assert.equal(deployment.status, 'active', String(deployment.error));
    assert.equal((await answer('web-feature-pr-prj.localhost')).body, 'pr-1');
    const [preview] = await previews(created.projectId);
    // Replays: the same delivery id answers with its first outcome; the same head commit under a new id
    // says why nothing happened. Neither deploys. A new head commit ("synchronize") does.
    const again = await send('opened', sha, openedDelivery);
    assert.deepEqual([again.duplicate, again.deploymentId], [true, opened.deploymentId]);
    const replayed = await send('opened');
    assert.match(replayed.outcome, /^ignored: preview of feature-pr not redeployed: [0-9a-f]{12} is already running/);
    assert.equal(replayed.deploymentId, null);
    const previewApp = (
      await h.api<Array<{ id: string; environmentId: string }>>('GET', `/projects/${created.projectId}/services`)
    ).body.find((s) => s.environmentId === preview!.id)!;
    assert.equal((await h.api<unknown[]>('GET', `/services/${previewApp.id}/deployments`)).body.length, 1);
    const sha2 = await repo.commit({ VERSION: 'pr-2\n' }, 'More PR work', 'feature-pr');
    const synced = await send('synchronize', sha2);
    assert.match(synced.outcome, /^preview of feature-pr updated, deploying: /);
    assert.equal((await h.waitForDeployment(synced.deploymentId!, 180_000)).status, 'active');
    assert.equal((await answer('web-feature-pr-prj.localhost')).body, 'pr-2');
    const closed = await send('closed');
    assert.match(closed.outcome, /^preview of feature-pr removed \(pull request #5 closed\)$/);
    assert.equal((await answer('web-feature-pr-prj.localhost')).status, 404);
    assert.deepEqual(await previews(created.projectId), []);
    assert.deepEqual(await leftOf(preview!.id), []);
    const deliveries = (
      await h.api<{ deliveries: Array<{ outcome: string }> }>('GET', `/services/${created.serviceId}/git`)
    ).body.deliveries;
    assert.match(deliveries[0]!.outcome, /removed/);
    assert.match(deliveries[1]!.outcome, /updated, deploying: .*web-feature-pr-prj\.localhost/);
    assert.match(deliveries[2]!.outcome, /not redeployed: [0-9a-f]{12} is already running/);
    assert.match(deliveries[3]!.outcome, /created, deploying: .*web-feature-pr-prj\.localhost/);
  });
});
