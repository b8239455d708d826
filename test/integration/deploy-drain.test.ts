/**
 * The old release drains outside the service's deploy queue: while a slow request keeps the old
 * container busy, the next deploy of the same service starts and goes live at once; the slow request
 * still finishes on the old version, which is removed only after it. The slow request waits until the test
 * releases it (SIGUSR2 to the old container), so how long the deploys take on a busy machine does not matter.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels, createFixtureService, waitForLogLine } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST = 'web-drain.localhost';
/** The fixture's longest wait: the test ends it sooner (well within the drain and upstream timeouts). */
const SLOW_MS = 120_000;

describe('draining the old release', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('drain-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({ BERTH_DRAIN_TIMEOUT_SECONDS: '180', BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS: '180' });
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('does not hold up the next deploy of the service', async () => {
    const { serviceId } = await createFixtureService(h.api, { project: 'drain', service: 'web', repoUrl: repo.url });
    const deploy = async () => {
      const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id;
    };
    const first = await deploy();
    assert.equal((await h.waitForDeployment(first)).status, 'active');

    let slowEndedAt = 0;
    const slow = get(h.proxyPort, HOST, `/slow?ms=${SLOW_MS}`).then((result) => {
      slowEndedAt = Date.now();
      return result;
    });
    await new Promise((r) => setTimeout(r, 300));
    await repo.commit({ VERSION: 'v2\n' }, 'release v2');
    const second = await deploy();
    assert.equal((await h.waitForDeployment(second)).status, 'active');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2');

    // v1 still drains (the slow request holds it); the next deploy starts and goes live anyway.
    await repo.commit({ VERSION: 'v3\n' }, 'release v3');
    const third = await deploy();
    const thirdDone = await h.waitForDeployment(third);
    assert.equal(thirdDone.status, 'active', String(thirdDone.error));
    assert.equal(slowEndedAt, 0, 'the third deploy went live while the first release was still draining');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v3');
    const draining = await containersWithLabels({ 'berth.deployment': first });
    assert.equal(draining.length, 1, 'v1 is still draining');

    execFileSync('docker', ['kill', '--signal', 'USR2', draining[0]!.id]); // the app answers its slow request now
    const result = await slow;
    assert.equal(result.status, 200);
    assert.match(result.body, /^released after \d+ ms \(v1\)$/, 'the slow request finished on the old version');
    await waitForLogLine(h.api, second, /Old containers drained; stopping 1/, 30_000);
    const deadline = Date.now() + 30_000;
    let left: string[];
    do {
      await new Promise((r) => setTimeout(r, 200));
      left = (await containersWithLabels({ 'berth.service': serviceId })).map((c) => c.labels['berth.deployment']!);
    } while (left.length > 1 && Date.now() < deadline);
    assert.deepEqual(left, [third], 'only the live release is left once the drains end');
  });
});
