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
    assert.deepEqual(result.bodies, ['url-1']);
    assert.equal(await answer(), 'url-1');
    const list = await h.api<Array<{ id: string; status: string }>>('GET', `/services/${serviceId}/deployments`);
    assert.deepEqual(
      list.body.filter((d) => d.status === 'active').map((d) => d.id),
      [first.id],
    );
  });
});
