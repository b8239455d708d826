/**
 * The project canvas reads every app of a project at once (one query for deployments, one engine call),
 * so a 50-service page stays fast; what it says of each app must be what the per-service reads say:
 * the newest deployment, and the active release's state (no container left → crashed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertDeployment, updateDeployment } from '../../src/deploys/deployments.repository.js';
import { newId } from '../../src/lib/ids.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

describe('project overview (the canvas)', () => {
  let t: TestApp;
  let projectId: string;
  const services: Record<string, string> = {};

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const post = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, headers, payload })).json();
    projectId = (await post('/api/v1/projects', { name: 'overview' })).id;
    for (const name of ['fresh', 'live', 'busy', 'broken']) {
      const service = await post(`/api/v1/projects/${projectId}/services`, {
        name,
        source: { type: 'image', image: 'berth-test/busybox:latest' },
      });
      services[name] = service.id;
    }
    // Deployments in order (a few ms apart, so creation times differ): the newest is the one the tile
    // shows; "active" is the release that runs.
    const deploy = async (service: string, status: 'replaced' | 'active' | 'failed' | 'building') => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const row = await insertDeployment(t.db, {
        id: newId('dep'),
        service_id: services[service]!,
        trigger: 'manual',
        triggered_by: 'test@example.com',
        image: null,
        rollback_of: null,
      });
      await updateDeployment(t.db, row.id, { status });
    };
    await deploy('live', 'replaced');
    await deploy('live', 'active');
    await deploy('live', 'failed');
    await deploy('busy', 'active');
    await deploy('busy', 'building');
    await deploy('broken', 'failed');
  });
  after(() => t.close());

  it('says of every app what the per-service reads say', async () => {
    const ids = Object.values(services);
    const overview = await t.deploys.overviewOf(projectId, ids);
    for (const [name, id] of Object.entries(services)) {
      const newest = (await t.deploys.list(id))[0];
      const state = await t.deploys.state(id);
      const seen = overview.get(id)!;
      assert.equal(seen.newest?.id, newest?.id, `${name}: newest deployment`);
      assert.deepEqual(
        { ...seen.state },
        {
          state: state.state,
          activeDeploymentId: state.activeDeploymentId,
          running: state.running,
          total: state.total,
          problem: state.problem,
        },
        `${name}: state`,
      );
    }
    assert.equal(overview.get(services.fresh!)!.newest, undefined);
    assert.equal(overview.get(services.live!)!.newest?.status, 'failed');
    // An active release without a container is crashed, on the canvas as on the service page.
    assert.equal(overview.get(services.live!)!.state.state, 'crashed');
    assert.equal(overview.get(services.busy!)!.newest?.status, 'building');
  });

  it('shows each tile with its status in words on the project page', async () => {
    const panel = await signedInClient(t.app);
    const page = await panel.get(`/projects/${projectId}`);
    assert.equal(page.statusCode, 200);
    const statusOf = (name: string) =>
      new RegExp(`id="tile-${services[name]}"[\\s\\S]*?data-status="([a-z ]+)"`).exec(page.body)?.[1];
    assert.equal(statusOf('fresh'), 'not deployed');
    assert.equal(statusOf('live'), 'crashed');
    assert.equal(statusOf('busy'), 'building');
    assert.equal(statusOf('broken'), 'failed');
    // The last deploy's time in words, the exact time in the title (not an ISO string on the tile).
    const tile = new RegExp(`id="tile-${services.broken}"[\\s\\S]*?</li>`).exec(page.body)?.[0] ?? '';
    assert.match(tile, /Last deploy [\s\S]*<time datetime="[^"]+" title="[^"]+">(just now|\d+ \w+ ago)<\/time>/);
  });
});
