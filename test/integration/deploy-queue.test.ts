/**
 * The queue rules through the API, with real builds: one deployment runs per service, a newer request
 * supersedes a queued one, cancel stops a running build and leaves the old version serving, and bad
 * requests are refused with 4xx before anything runs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { DeployQueue } from '../../src/deploys/deploy-queue.js';
import type { DeployRunner } from '../../src/deploys/deploy-runner.js';
import { findDeployment, updateDeployment } from '../../src/deploys/deployments.repository.js';
import { cancelDeployment, requestDeployment } from '../../src/deploys/deploys.service.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { createLogger } from '../../src/logger.js';
import { createProject } from '../../src/projects/projects.service.js';
import { createAppService } from '../../src/projects/services.service.js';
import {
  containersWithLabels,
  hasImage,
  TERMINAL_STATUSES,
  waitForDeployment,
  waitForLogLine,
  type DeploymentBody,
  createFixtureService,
} from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST = 'web-queue.localhost';
const DOCKERFILE = fixtureFiles('dockerfile-app').Dockerfile!;
/** The fixture's Dockerfile with an extra step after the copy: a slow one, or one that fails. */
const withStep = (step: string) => DOCKERFILE.replace('COPY . .\n', `COPY . .\n${step}\n`);

type ErrorBody = { error: { code: string; message: string } };

describe('the deploy queue', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let serviceId: string;
  let liveVersion: string;
  let activeId: string;

  const request = async (): Promise<string> => {
    const created = await h.api<{ id: string; status: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'queued');
    return created.body.id;
  };
  const deploymentById = async (id: string) => (await h.api<DeploymentBody>('GET', `/deployments/${id}`)).body;
  const waitUntil = (id: string, until: (d: DeploymentBody) => boolean) => waitForDeployment(h.api, id, until);
  const answer = async () => (await get(h.proxyPort, HOST)).body;
  const deploymentsOfService = async () =>
    (await h.api<DeploymentBody[]>('GET', `/services/${serviceId}/deployments`)).body;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('queue-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1', BERTH_DRAIN_TIMEOUT_SECONDS: '5' });
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('deploys v1', async () => {
    ({ serviceId } = await createFixtureService(h.api, { project: 'queue', service: 'web', repoUrl: repo.url }));
    const deployment = await h.waitForDeployment(await request());
    assert.equal(deployment.status, 'active', String(deployment.error));
    activeId = deployment.id as string;
    liveVersion = 'v1';
    assert.equal(await answer(), 'v1');
  });

  it('runs the first of three back-to-back requests, supersedes the second with the third, and ends on the third', async () => {
    // The first build sleeps a little so the next two requests surely arrive while it runs.
    await repo.commit({ Dockerfile: withStep('RUN ["sleep", "3"]'), VERSION: 'v2\n' }, 'v2, slow build');
    const first = await request();
    await waitUntil(first, (d) => d.status !== 'queued');
    const second = await request();
    const third = await request();
    assert.equal(
      (await deploymentById(second)).status,
      'superseded',
      'the second waited and was superseded by the third',
    );
    assert.equal((await deploymentById(third)).status, 'queued', 'the third waits for the first');

    const firstDone = await h.waitForDeployment(first);
    assert.equal(firstDone.status, 'active', String(firstDone.error));
    const thirdDone = await h.waitForDeployment(third);
    assert.equal(thirdDone.status, 'active', String(thirdDone.error));
    const firstAfter = await deploymentById(first);
    assert.equal(firstAfter.status, 'replaced');
    assert.ok(
      Date.parse(String(thirdDone.startedAt)) >= Date.parse(String(firstAfter.finishedAt)),
      'the third started only after the first had finished',
    );
    const secondAfter = await deploymentById(second);
    assert.equal(secondAfter.status, 'superseded');
    assert.equal(secondAfter.startedAt, null, 'the superseded deployment never ran');
    assert.deepEqual(await containersWithLabels({ 'berth.deployment': second }), []);
    assert.equal(await answer(), 'v2');
    liveVersion = 'v2';
    activeId = third;
    const statuses = (await deploymentsOfService()).map((d) => d.status);
    assert.equal(statuses.filter((s) => s === 'active').length, 1, 'exactly one active deployment');
  });

  it('cancels a running build: cancelled, no container or image left, the old version still answers', async () => {
    await repo.commit({ Dockerfile: withStep('RUN ["sleep", "30"]'), VERSION: 'v3\n' }, 'v3, very slow build');
    const id = await request();
    await waitUntil(id, (d) => d.status === 'building' || TERMINAL_STATUSES.includes(d.status));
    await waitForLogLine(h.api, id, /RUN \["sleep", "30"\]/);
    const startedAt = Date.now();
    const cancelled = await h.api<DeploymentBody>('POST', `/deployments/${id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.ok(Date.now() - startedAt < 15_000, 'cancel stops the build instead of waiting for it');
    assert.match(String(cancelled.body.error), /cancel/i);
    assert.equal(await answer(), liveVersion);
    assert.equal((await deploymentById(activeId)).status, 'active');
    assert.deepEqual(await containersWithLabels({ 'berth.deployment': id }), []);
    assert.equal(await hasImage(`berth/${serviceId}:${id}`), false, 'the cancelled build left no image');
    const logs = await h.api<{ lines: string[]; isLive: boolean }>('GET', `/deployments/${id}/logs`);
    assert.match(logs.body.lines.join('\n'), /Deployment cancelled/);
    assert.equal(logs.body.isLive, false);
  });

  it('refuses to cancel a deployment that has ended, saying so', async () => {
    for (const id of [activeId, (await deploymentsOfService()).find((d) => d.status === 'cancelled')!.id]) {
      const before = (await deploymentById(id)).status;
      const response = await h.api<ErrorBody>('POST', `/deployments/${id}/cancel`);
      assert.equal(response.status, 409, JSON.stringify(response.body));
      assert.match(response.body.error.message, new RegExp(`already ended \\(${before}\\)`));
      assert.equal((await deploymentById(id)).status, before, 'the refused cancel changed nothing');
    }
    assert.equal(await answer(), liveVersion);
  });

  it('refuses to roll back to a failed deployment', async () => {
    await repo.commit({ Dockerfile: withStep('RUN ["false"]'), VERSION: 'v4\n' }, 'v4, broken build');
    const failed = await h.waitForDeployment(await request());
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /build failed/);
    const before = (await deploymentsOfService()).length;
    const rollback = await h.api<ErrorBody>('POST', `/deployments/${failed.id as string}/rollback`);
    assert.equal(rollback.status, 409, JSON.stringify(rollback.body));
    assert.match(rollback.body.error.message, /Only a deployment that went live can be rolled back to/);
    assert.equal((await deploymentsOfService()).length, before, 'no deployment was created');
    assert.equal(await answer(), liveVersion);
  });

  it('removes the image of a deployment that failed its health check, which cannot be rolled back to', async () => {
    const unhealthy = { healthcheck: { path: '/missing', timeoutSeconds: 2 } };
    assert.equal((await h.api('PATCH', `/services/${serviceId}`, unhealthy)).status, 200);
    await repo.commit({ Dockerfile: DOCKERFILE, VERSION: 'v5\n' }, 'v5, unhealthy');
    const failed = await h.waitForDeployment(await request());
    const healthy = { healthcheck: { path: '/healthz', timeoutSeconds: 30 } };
    assert.equal((await h.api('PATCH', `/services/${serviceId}`, healthy)).status, 200);
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /Health check failed/);
    assert.equal(failed.image, `berth/${serviceId}:${failed.id as string}`, 'it was built');
    assert.equal(await hasImage(failed.image), false, 'a deployment that never went live keeps no image');
    assert.deepEqual(await containersWithLabels({ 'berth.deployment': failed.id as string }), []);
    const rollback = await h.api<ErrorBody>('POST', `/deployments/${failed.id as string}/rollback`);
    assert.equal(rollback.status, 409, JSON.stringify(rollback.body));
    assert.equal(await answer(), liveVersion);
  });

  it('refuses bad input with 4xx and runs nothing', async () => {
    const before = await deploymentsOfService();
    const badServiceIds = ['not-an-id', encodeURIComponent('; touch /tmp/x'), encodeURIComponent('$(id)'), 'svc_'];
    for (const bad of badServiceIds) {
      const response = await h.api<ErrorBody>('POST', `/services/${bad}/deployments`);
      assert.equal(response.status, 400, `${bad}: ${JSON.stringify(response.body)}`);
    }
    const unknown = await h.api<ErrorBody>('POST', '/services/svc_doesnotexist0/deployments');
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    for (const action of ['cancel', 'rollback']) {
      assert.equal((await h.api('POST', `/deployments/not-an-id/${action}`)).status, 400);
      assert.equal((await h.api('POST', `/deployments/dep_doesnotexist0/${action}`)).status, 404);
    }
    const after = await deploymentsOfService();
    assert.deepEqual(
      after.map((d) => [d.id, d.status]),
      before.map((d) => [d.id, d.status]),
      'no deployment was created or changed',
    );
    assert.equal(await answer(), liveVersion);
  });
});

/**
 * The same rules when requests race, with a stub runner (no Docker) that behaves like the real one: it
 * runs a deployment only if it is still queued when it starts, and records how it ended.
 */
describe('the deploy queue under racing requests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-queue-'));
  let handle: DbHandle;
  let serviceId: string;
  let queue: DeployQueue;
  let onRunEnd: (() => void) | undefined;
  const ran: string[] = [];
  let runningNow = 0;
  let mostAtOnce = 0;

  const runner = {
    async run(id: string, signal: AbortSignal) {
      const db = handle.db;
      if ((await findDeployment(db, id))?.status !== 'queued') return;
      await findDeployment(db, id); // the real runner reads the service here, before its first status change
      await updateDeployment(db, id, { status: 'fetching', startedAt: new Date().toISOString() });
      ran.push(id);
      mostAtOnce = Math.max(mostAtOnce, ++runningNow);
      await new Promise((r) => setTimeout(r, 20));
      runningNow--;
      const status = signal.aborted ? 'cancelled' : 'active';
      await updateDeployment(db, id, { status, finishedAt: new Date().toISOString() });
      const hook = onRunEnd;
      onRunEnd = undefined;
      hook?.();
    },
  } as unknown as DeployRunner;
  const request = () => requestDeployment(handle.db, queue, { serviceId, trigger: 'api', triggeredBy: null });
  const statusOf = async (id: string) => (await findDeployment(handle.db, id))!.status;

  before(async () => {
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    const project = await createProject(handle.db, 'race');
    const secretBox = new SecretBox(randomBytes(32).toString('base64url'));
    const deps = { db: handle.db, config: { allowPrivateSources: false }, secretBox };
    serviceId = (await createAppService(deps, project.id, { name: 'web', source: { type: 'image', image: 'x/y:1' } }))
      .id;
    queue = new DeployQueue(handle.db, runner, createLogger('silent'));
  });
  after(async () => {
    await queue?.stop();
    await handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a cancel arriving just as the previous run ends is final: the deployment never goes live', async () => {
    for (let ticks = 0; ticks < 20; ticks++) {
      await request();
      const waiting = await request();
      let answer!: Promise<string>;
      await new Promise<void>((resolve) => {
        onRunEnd = () => {
          answer = cancelDeployment(handle.db, queue, waiting.id).then(
            (d) => d.status,
            (e: Error) => `refused: ${e.message}`,
          );
          resolve();
        };
      });
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      const said = await answer;
      await queue.idle();
      assert.equal(said, 'cancelled', `after ${ticks} ticks`);
      assert.equal(await statusOf(waiting.id), 'cancelled', `after ${ticks} ticks the cancelled deployment went on`);
    }
  });

  it('requests sent all at once: one run at a time, the last one requested ends active, the rest superseded', async () => {
    for (let round = 0; round < 10; round++) {
      ran.length = 0;
      const ids = (await Promise.all([request(), request(), request(), request()])).map((d) => d.id);
      while ((await Promise.all(ids.map(statusOf))).some((s) => s === 'queued' || s === 'fetching')) await queue.idle();
      const statuses = await Promise.all(ids.map(statusOf));
      assert.equal(statuses.at(-1), 'active', `round ${round}: ${statuses.join(' ')}`);
      for (const [i, id] of ids.entries()) {
        assert.equal(statuses[i], ran.includes(id) ? 'active' : 'superseded', `round ${round}: ${statuses.join(' ')}`);
      }
    }
    assert.equal(mostAtOnce, 1, 'never two runs of one service at once');
  });
});
