/**
 * Upgrades of the proxy's own process tree under load (BERTH_PROXY_MODE=process): a real `berth serve`
 * (from this checkout) deploys a fixture app; while a probe asks for it every 25 ms on a fresh
 * connection and four keep-alive clients plus two new-connection clients loop on it, the supervisor is
 * asked to upgrade UPGRADES times over its control socket (the request the daemon sends after a
 * self-upgrade): new workers start from the code on disk and take over the listening sockets, the old
 * ones drain and exit. Each upgrade waits until the old workers are gone. Reported per upgrade and for a
 * steady window of the same length: requests, failed requests, the longest run of failures (the gap).
 * Run: `npm run bench:upgrade-gap -- --proxy-upgrades` (loopback only; a few minutes; cleans up).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../src/proxy/process/control-client.js';
import {
  apiClient,
  createAdminToken,
  createFixtureService,
  removeProjectDockerObjects,
} from '../test/helpers/daemon-api.js';
import { freePort, startDaemonProcess } from '../test/helpers/daemon-process.js';
import { fixtureFiles } from '../test/helpers/deploy-harness.js';
import { TEST_IMAGES } from '../test/helpers/docker-test-env.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { probeApp } from '../test/helpers/install-harness.js';
import { isAlive, startLoadLoop, waitFor } from '../test/helpers/proxy-process-probe.js';
import { formatMs, markdownTable } from './lib/stats.js';

const UPGRADES = 3;
const HOST = 'web-pug.localhost';

const git = await startGitServer();
const repo = await git.createRepo('pug-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
const dataDir = mkdtempSync(join(tmpdir(), 'berth-pug-'));
const proxyDir = join(dataDir, 'proxy');
const port = await freePort();
const env = {
  BERTH_HTTP_PORT: String(port),
  BERTH_HTTPS_PORT: String(await freePort()),
  BERTH_PROXY_HOST: '127.0.0.1',
  BERTH_PROXY_MODE: 'process',
  BERTH_PROXY_WORKERS: '2',
  BERTH_ALLOW_PRIVATE_SOURCES: 'true',
  BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
  BERTH_STABILISATION_SECONDS: '1',
};
const loadAtStart = loadavg()[0]!;
const projectIds: string[] = [];
const daemon = await startDaemonProcess({ dataDir, env, timeoutMs: 180_000 });
try {
  const api = apiClient(daemon.baseUrl, await createAdminToken(dataDir));
  const { serviceId } = await createFixtureService(api.request, { project: 'pug', service: 'web', repoUrl: repo.url });
  projectIds.push(...api.projectIds);
  const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
  const done = await api.waitForDeployment(created.body.id);
  if (done.status !== 'active') throw new Error(`the fixture app did not deploy: ${JSON.stringify(done)}`);
  const token = readFileSync(join(proxyDir, 'control.token'), 'utf8').trim();
  const control = await ControlClient.open(join(proxyDir, 'control.sock'), token);
  const workerPids = async () => {
    const status = await control.request({ type: 'status' });
    return { pids: status.workerPids as number[], upgrading: status.upgrading === true };
  };

  const rows: string[][] = [];
  const window = async (label: string, action: () => Promise<void>) => {
    const probe = probeApp(port, HOST);
    const load = startLoadLoop(port, HOST, { freshClients: 2 });
    const t0 = Date.now();
    await action();
    const took = Date.now() - t0;
    const [probed, looped] = [await probe.stop(), await load.stop()];
    rows.push([
      label,
      formatMs(took),
      String(probed.ok + probed.failed + looped.ok + looped.failed.length),
      String(probed.failed + looped.failed.length),
      formatMs(probed.longestGapMs),
    ]);
    return took;
  };
  const durations: number[] = [];
  for (let i = 1; i <= UPGRADES; i++) {
    const took = await window(`proxy upgrade ${i}`, async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const before = (await workerPids()).pids;
      await control.request({ type: 'upgrade' });
      await waitFor(
        async () => {
          const now = await workerPids();
          return !now.upgrading && now.pids.every((pid) => !before.includes(pid));
        },
        180_000,
        'the new workers',
      );
      await waitFor(() => before.every((pid) => !isAlive(pid)), 60_000, 'the old workers to exit');
      await new Promise((r) => setTimeout(r, 1000));
    });
    durations.push(took);
  }
  const steady = Math.round(durations.reduce((a, b) => a + b, 0) / durations.length);
  await window('steady (no upgrade)', () => new Promise((r) => setTimeout(r, steady)));
  control.close();

  process.stdout.write(
    `\nProxy upgrades under load (${UPGRADES} upgrades, 2 workers; a probe every 25 ms on a fresh connection, ` +
      `4 keep-alive and 2 new-connection clients in a loop)\n\n`,
  );
  process.stdout.write(`${markdownTable(['run', 'window ms', 'requests', 'failed', 'longest gap ms'], rows)}\n`);
  process.stdout.write(
    `\nMachine: ${cpus().length} CPUs; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ` +
      `${loadavg()[0]!.toFixed(1)} at the end.\n`,
  );
} finally {
  await daemon.stop();
  try {
    const pid = Number(readFileSync(join(proxyDir, 'proxy.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isAlive(pid), 20_000, 'the proxy to stop');
  } catch {
    // Not running.
  }
  rmSync(dataDir, { recursive: true, force: true });
  await removeProjectDockerObjects(projectIds);
  await git.close();
}
