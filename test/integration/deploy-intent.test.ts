/**
 * Deploys do what the user meant (issue 11), against a real daemon, real git, real Docker and the real
 * proxy: a failed activation commit never leaves the route on removed containers; "Deploy now" builds the
 * newest commit the user gave Berth (a push is not silently undone by the URL's older tip); a rollback
 * brings back the variables its deployment ran with unless asked to keep today's. One daemon, tests in order.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.js';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { git, mustGit, workingRepo } from '../helpers/git-cli.js';
import { InjectClient } from '../helpers/inject-client.js';
import { get, startLoad } from '../helpers/load.js';

const HOST = 'web-intent.localhost';

describe('deploys do what the user meant', () => {
  let h: Harness;
  let gitServer: GitServer;
  let repo: TestRepo;
  let serviceId: string;

  const answer = async (path = '/') => (await get(h.proxyPort, HOST, path)).body;
  const deploy = async (body?: unknown) => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`, body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id);
  };
  /** Runs SQL on the daemon's own database file (WAL: the daemon keeps working beside it). */
  const onDatabase = async (statement: ReturnType<typeof sql>) => {
    const handle = openDatabase(join(h.dataDir, 'berth.db'));
    try {
      await statement.execute(handle.db);
    } finally {
      await handle.close();
    }
  };

  before(async () => {
    gitServer = await startGitServer();
    repo = await gitServer.createRepo('intent-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'url-1\n' });
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ serviceId } = await createFixtureService(h.api, { project: 'intent', service: 'web', repoUrl: repo.url }));
  });
  after(async () => {
    await h?.close();
    await gitServer?.close();
  });

  it('keeps the old version serving, without a failed request, when committing the new one as active fails', async () => {
    const first = await deploy();
    assert.equal(first.status, 'active', String(first.error));
    assert.equal(await answer(), 'url-1');
    await repo.commit({ VERSION: 'url-2\n' }, 'release url-2');
    // The injected failure: the database refuses to record any deployment as active.
    await onDatabase(sql`CREATE TRIGGER test_refuse_activation BEFORE UPDATE OF status ON deployments
      WHEN NEW.status = 'active' BEGIN SELECT RAISE(ABORT, 'injected: activation refused'); END`);
    const load = startLoad({ port: h.proxyPort, host: HOST, connections: 8, maxSeconds: 240 });
    try {
      const second = await deploy();
      assert.equal(second.status, 'failed');
      assert.match(String(second.error), /injected: activation refused/);
      // Past the switch and the clean-up: the route must still lead to a live container.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await onDatabase(sql`DROP TRIGGER IF EXISTS test_refuse_activation`);
    }
    const result = await load.stop();
    assert.equal(result.failed, 0, result.errors.join('\n'));
    assert.ok(result.ok > 0);
    // The new version served from its switch until the commit failed (the watch window), then the old again.
    assert.ok(
      result.bodies.every((b) => b === 'url-1' || b === 'url-2'),
      result.bodies.join(),
    );
    assert.equal(await answer(), 'url-1');
    const list = await h.api<Array<{ id: string; status: string }>>('GET', `/services/${serviceId}/deployments`);
    assert.deepEqual(
      list.body.filter((d) => d.status === 'active').map((d) => d.id),
      [first.id],
    );
  });

  it("rolls back to the variables the deployment ran with, or keeps today's when asked", async () => {
    const setFoo = async (value: string) =>
      assert.equal((await h.api('PUT', `/services/${serviceId}/variables`, { FOO: value })).status, 200);
    await repo.commit({ VERSION: 'url-3\n' }, 'release url-3');
    await setFoo('first-value-1');
    const withFirst = await deploy();
    assert.equal(withFirst.status, 'active', String(withFirst.error));
    assert.equal(await answer('/env/FOO'), 'first-value-1');
    await setFoo('second-value-2');
    const withSecond = await deploy();
    assert.equal(withSecond.status, 'active', String(withSecond.error));
    assert.equal(await answer('/env/FOO'), 'second-value-2');

    const rollback = await h.api<{ id: string }>('POST', `/deployments/${withFirst.id}/rollback`);
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
    const restored = await h.waitForDeployment(rollback.body.id);
    assert.equal(restored.status, 'active', String(restored.error));
    assert.equal(await answer('/env/FOO'), 'first-value-1');
    assert.equal(await answer(), 'url-3');
    // The recorded variables are sealed: no deployment in the API carries them.
    const list = await h.api('GET', `/services/${serviceId}/deployments`);
    assert.doesNotMatch(JSON.stringify(list.body), /first-value|second-value|v1\./);

    const keep = await h.api<{ id: string }>('POST', `/deployments/${withFirst.id}/rollback`, {
      keepCurrentVariables: true,
    });
    assert.equal(keep.status, 201, JSON.stringify(keep.body));
    const kept = await h.waitForDeployment(keep.body.id);
    assert.equal(kept.status, 'active', String(kept.error));
    assert.equal(await answer('/env/FOO'), 'second-value-2');
    const bad = await h.api('POST', `/deployments/${withFirst.id}/rollback`, { keepCurrentVariables: 'yes' });
    assert.equal(bad.status, 400);

    // The panel's rollback form: restores by default, keeps today's variables with the checkbox ticked.
    const panel = new InjectClient(h.daemon.app);
    await panel.postForm('/login', { _csrf: await panel.csrfFrom('/login'), ...h.admin });
    const rollBackInPanel = async (fields: Record<string, string>) => {
      const page = `/deployments/${withFirst.id}`;
      const response = await panel.postForm(`${page}/rollback`, { _csrf: await panel.csrfFrom(page), ...fields });
      assert.equal(response.statusCode, 303, response.body);
      const id = /\/deployments\/(dep_[0-9a-z]+)$/.exec(String(response.headers.location))![1]!;
      assert.equal((await h.waitForDeployment(id)).status, 'active');
    };
    const form = await panel.get(`/deployments/${withFirst.id}`);
    assert.match(
      form.body,
      /<input type="checkbox" name="keepCurrentVariables" value="on"> Keep the current variables/,
    );
    await rollBackInPanel({});
    assert.equal(await answer('/env/FOO'), 'first-value-1');
    await rollBackInPanel({ keepCurrentVariables: 'on' });
    assert.equal(await answer('/env/FOO'), 'second-value-2');
  });

  it('"Deploy now" after a git push builds the pushed commit, shows it as the next build, and builds the URL only when asked', async () => {
    const token = (await h.api<{ token: string }>('POST', '/tokens', { name: 'push' })).body.token;
    const remote = `http://git:${token}@${new URL(h.panelUrl).host}/git/intent/web.git`;
    const work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'pushed-1\n' }, 'Hotfix by push');
    const pushed = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(pushed.code, 0, pushed.output);
    assert.equal(await answer(), 'pushed-1');
    const pushedSha = (await mustGit(['rev-parse', 'HEAD'], work)).trim();

    const again = await deploy();
    assert.equal(again.status, 'active', String(again.error));
    assert.equal((again.commit as { sha: string }).sha, pushedSha);
    assert.equal(again.builtFrom, 'push');
    assert.equal(await answer(), 'pushed-1', "Deploy now must not bring back the URL's older tip");

    // What the panel and the API say the next deploy builds: still the pushed commit.
    const plan = await h.api<{ builtFrom: string; commit: { sha: string; message: string } | null }>(
      'GET',
      `/services/${serviceId}/deployments/plan`,
    );
    assert.equal(plan.status, 200, JSON.stringify(plan.body));
    assert.equal(plan.body.builtFrom, 'push');
    assert.equal(plan.body.commit?.sha, pushedSha);
    assert.equal(plan.body.commit?.message, 'Hotfix by push');
    const panel = new InjectClient(h.daemon.app);
    await panel.postForm('/login', { _csrf: await panel.csrfFrom('/login'), ...h.admin });
    const page = await panel.get(`/services/${serviceId}/deployments`);
    assert.match(
      page.body,
      new RegExp(`id="deploy-plan"[^>]*>Deploy now builds pushed commit ${pushedSha.slice(0, 7)}`),
    );

    const fromUrl = await deploy({ source: 'url' });
    assert.equal(fromUrl.status, 'active', String(fromUrl.error));
    assert.equal(fromUrl.builtFrom, 'url');
    assert.equal(await answer(), 'url-3');
    const after = await h.api<{ builtFrom: string }>('GET', `/services/${serviceId}/deployments/plan`);
    assert.equal(after.body.builtFrom, 'url');
  });
});
