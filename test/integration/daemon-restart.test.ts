/**
 * Restarting the daemon (SIGTERM, start again on the same data dir and ports) while clients keep asking an
 * app through the proxy: a known app never answers 404 at start-up (the proxy accepts only once its
 * routes are loaded), and the requests that fail across 10 restarts stay within a bound.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  apiClient,
  createAdminToken,
  createFixtureService,
  removeProjectDockerObjects,
  type ApiClient,
} from '../helpers/daemon-api.js';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { fixtureFiles } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';

const HOST = 'web-restart.localhost';
const RESTARTS = 10;
/** Requests a client sends per second, over fresh connections (a new client can land at any moment). */
const RATE = 40;
/**
 * The proxy lives in the daemon until the data-plane issue moves it out, so the new process's start-up
 * (module loading, under tsx here) is still an outage: measured ~1.5 s per restart on an idle machine
 * (was ~2 s). The bound: requests fail only while a restart runs (from SIGTERM until the new daemon says
 * its panel listens, which is after the proxy listens), never before or after it.
 */
const failureBound = (restartMs: number) => Math.ceil((restartMs / 1000) * RATE) + 2 * RESTARTS;

interface Tally {
  ok: number;
  notFound: number;
  otherStatus: Record<number, number>;
  refused: number;
  otherErrors: string[];
}

function once(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { host: HOST }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (error) => resolve(`response: ${error.message}`));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

/** Steady requests at RATE per second until stopped; each outcome counted. */
function startProbe(port: number) {
  const tally: Tally = { ok: 0, notFound: 0, otherStatus: {}, refused: 0, otherErrors: [] };
  let isStopped = false;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (isStopped) return;
    const done = once(port).then((outcome) => {
      if (outcome === 200) tally.ok++;
      else if (outcome === 404) tally.notFound++;
      else if (typeof outcome === 'number') tally.otherStatus[outcome] = (tally.otherStatus[outcome] ?? 0) + 1;
      else if (outcome === 'ECONNREFUSED') tally.refused++;
      else tally.otherErrors.push(outcome);
      pending.delete(done);
    });
    pending.add(done);
  }, 1000 / RATE);
  return {
    tally,
    async stop(): Promise<Tally> {
      isStopped = true;
      clearInterval(timer);
      await Promise.all(pending);
      return tally;
    },
  };
}

const failedOf = (t: Tally) =>
  t.notFound + t.refused + t.otherErrors.length + Object.values(t.otherStatus).reduce((a, b) => a + b, 0);

describe('restarting the daemon while an app is being used', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-restart-'));
  let env: Record<string, string>;
  let git: GitServer;
  let repo: TestRepo;
  let daemon: DaemonProcess | undefined;
  let api: ApiClient;
  let proxyPort: number;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('restart-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    proxyPort = await freePort();
    env = {
      BERTH_HTTP_PORT: String(proxyPort),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_ALLOW_PRIVATE_SOURCES: 'true',
      BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
      BERTH_STABILISATION_SECONDS: '1',
    };
    daemon = await startDaemonProcess({ dataDir, env });
    api = apiClient(daemon.baseUrl, await createAdminToken(dataDir));
  });

  after(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.stop();
    await removeProjectDockerObjects(api?.projectIds ?? []);
    await git?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`never answers 404 for a known app across ${RESTARTS} restarts, and few requests fail`, async () => {
    const { serviceId } = await createFixtureService(api.request, {
      project: 'restart',
      service: 'web',
      repoUrl: repo.url,
    });
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api.waitForDeployment(created.body.id)).status, 'active');
    assert.equal(await once(proxyPort), 200);

    const probe = startProbe(proxyPort);
    const timings: string[] = [];
    let restartMs = 0;
    try {
      for (let i = 0; i < RESTARTS; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const stopAt = Date.now();
        await daemon!.stop();
        const stoppedAt = Date.now();
        daemon = await startDaemonProcess({ dataDir, env, timeoutMs: 60_000 });
        timings.push(`stop ${stoppedAt - stopAt} ms, start ${Date.now() - stoppedAt} ms`);
        restartMs += Date.now() - stopAt;
      }
      // Until the last start's proxy answers.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      const tally = await probe.stop();
      const failed = failedOf(tally);
      console.log(`restarts: ${timings.join('; ')}`);
      console.log(`probe over ${RESTARTS} restarts: ${JSON.stringify(tally)}; failed ${failed}`);
      assert.equal(tally.notFound, 0, 'a known app answered 404 during start-up');
      const bound = failureBound(restartMs);
      console.log(`failed ${failed}; restarts took ${restartMs} ms in all, bound ${bound}`);
      assert.ok(failed <= bound, `${failed} requests failed across ${RESTARTS} restarts (bound ${bound})`);
      assert.ok(tally.ok > RESTARTS * RATE, `only ${tally.ok} requests succeeded`);
    }
  });
});
