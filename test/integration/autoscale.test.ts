/**
 * Autoscaling on the Docker backend, with real traffic through Berth's proxy: a bounded keep-alive load
 * raises the replica count to the policy's maximum (never beyond), every change is an `autoscale`
 * deployment of the same image (no build) switched without a failed request, and once the load stops the
 * count falls back to the minimum after the cool-down. The autoscaler looks every 2 s over a 20 s window.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels, createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { startLoad } from '../helpers/load.js';
import { until } from '../helpers/tls-client.js';

const HOST = 'web-scaled.localhost';

describe('autoscaling on Docker', () => {
  let h: Harness;
  let git: GitServer;
  let serviceId: string;

  const replicasRunning = async (deploymentId?: string) =>
    (
      await containersWithLabels({
        'berth.service': serviceId,
        ...(deploymentId ? { 'berth.deployment': deploymentId } : {}),
      })
    ).filter((c) => c.state === 'running' && c.labels['berth.replica'] !== undefined && !c.labels['berth.role']).length;
  const activeDeployment = async () =>
    (
      await h.api<Array<{ id: string; status: string; trigger: string }>>('GET', `/services/${serviceId}/deployments`)
    ).body.find((d) => d.status === 'active');
  const settings = async () => (await h.api<{ replicas: number }>('GET', `/services/${serviceId}`)).body.replicas;

  before(async () => {
    git = await startGitServer();
    const repo = await git.createRepo('scaled-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({
      BERTH_AUTOSCALE_INTERVAL_SECONDS: '2',
      BERTH_AUTOSCALE_WINDOW_SECONDS: '20',
      BERTH_STABILISATION_SECONDS: '1',
    });
    ({ serviceId } = await createFixtureService(h.api, { project: 'scaled', service: 'web', repoUrl: repo.url }));
    const first = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal((await h.waitForDeployment(first.body.id, 180_000)).status, 'active');
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('scales up under load within the maximum, and back down after the cool-down', async () => {
    const set = await h.api('PUT', `/services/${serviceId}/autoscaling`, {
      minReplicas: 1,
      maxReplicas: 3,
      metric: 'requests',
      target: 5,
      cooldownSeconds: 10,
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));

    const load = startLoad({ port: h.proxyPort, host: HOST, connections: 4, maxSeconds: 120, maxRequests: 200_000 });
    let scaledUp: { id: string; trigger: string };
    try {
      scaledUp = await until(
        'a scale-up to 3 replicas',
        async () => {
          const active = await activeDeployment();
          return active?.trigger === 'autoscale' && (await replicasRunning(active.id)) === 3 ? active : undefined;
        },
        100_000,
      );
    } finally {
      const result = await load.stop();
      assert.equal(result.failed, 0, `failed requests during the scale-up: ${result.errors.slice(0, 5).join('; ')}`);
      assert.ok(result.ok > 100, `the load ran (${result.ok} requests)`);
    }
    assert.equal(await settings(), 3, 'the maximum, never beyond');
    await until(
      'the old replica to drain away',
      async () => ((await replicasRunning()) === 3 ? true : undefined),
      60_000,
    );
    const log = await h.api('GET', `/deployments/${scaledUp.id}/logs`);
    assert.match(JSON.stringify(log.body), /Scaling to 3 replica\(s\): the image of deployment/);
    assert.doesNotMatch(JSON.stringify(log.body), /Step \d+\/\d+/, 'no build');
    const policy = await h.api<{ lastDecision: string; lastScaledAt: string | null }>(
      'GET',
      `/services/${serviceId}/autoscaling`,
    );
    assert.ok(policy.body.lastScaledAt);

    // No traffic now: after the 10 s cool-down and once the 20 s window is quiet, back to the minimum.
    await until(
      'a scale-down to 1 replica',
      async () => {
        const active = await activeDeployment();
        return active && active.id !== scaledUp.id && (await settings()) === 1 ? active : undefined;
      },
      120_000,
    );
    await until('one running replica', async () => ((await replicasRunning()) === 1 ? true : undefined), 60_000);

    // The undo: deleting the policy stops autoscaling and leaves the count where it is.
    assert.equal((await h.api('DELETE', `/services/${serviceId}/autoscaling`)).status, 204);
    assert.equal(await settings(), 1);
  });
});
