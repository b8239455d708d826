/**
 * Daemon restarts under load, inline proxy vs the proxy's own process tree (BERTH_PROXY_MODE=process),
 * in one run: for each mode a real `berth serve` (from this checkout) deploys a fixture app; a probe asks
 * it through the proxy every 25 ms (a fresh connection each time) while the daemon is stopped by PID and
 * started again, RESTARTS times. Reported per mode: requests, failed requests, the longest run of
 * failures (the gap), and how long the restarts took.
 * Run: `npm run bench:upgrade-gap -- --daemon-restarts` (loopback only; a few minutes; cleans up).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiClient,
  createAdminToken,
  createFixtureService,
  removeProjectDockerObjects,
} from '../test/helpers/daemon-api.js';
import { freePort, startDaemonProcess, type DaemonProcess } from '../test/helpers/daemon-process.js';
import { fixtureFiles } from '../test/helpers/deploy-harness.js';
import { TEST_IMAGES } from '../test/helpers/docker-test-env.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { probeApp } from '../test/helpers/install-harness.js';
import { formatMs, markdownTable } from './lib/stats.js';

const RESTARTS = 3;

const git = await startGitServer();
const repo = await git.createRepo('gap-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
const rows: string[][] = [];
const projectIds: string[] = [];
const loadAtStart = loadavg()[0]!;
try {
  for (const mode of ['inline', 'process'] as const) {
    const dataDir = mkdtempSync(join(tmpdir(), `berth-gap-${mode}-`));
    const env = {
      BERTH_HTTP_PORT: String(await freePort()),
      BERTH_HTTPS_PORT: String(await freePort()),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_PROXY_MODE: mode,
      BERTH_ALLOW_PRIVATE_SOURCES: 'true',
      BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
      BERTH_STABILISATION_SECONDS: '1',
    };
    let daemon: DaemonProcess = await startDaemonProcess({ dataDir, env, timeoutMs: 180_000 });
    try {
      const api = apiClient(daemon.baseUrl, await createAdminToken(dataDir));
      const { serviceId } = await createFixtureService(api.request, {
        project: `gap-${mode}`,
        service: 'web',
        repoUrl: repo.url,
      });
      projectIds.push(...api.projectIds);
      const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
      const done = await api.waitForDeployment(created.body.id);
      if (done.status !== 'active') throw new Error(`the fixture app did not deploy: ${JSON.stringify(done)}`);
      // The default hostname: <service>-<project>.<apps domain>.
      const probe = probeApp(Number(env.BERTH_HTTP_PORT), `web-gap-${mode}.localhost`);
      const t0 = Date.now();
      for (let i = 0; i < RESTARTS; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        await daemon.stop();
        daemon = await startDaemonProcess({ dataDir, env, timeoutMs: 180_000 });
      }
      await new Promise((r) => setTimeout(r, 1000));
      const load = await probe.stop();
      rows.push([
        mode,
        String(RESTARTS),
        formatMs(Date.now() - t0),
        String(load.ok + load.failed),
        String(load.failed),
        formatMs(load.longestGapMs),
      ]);
    } finally {
      await daemon.stop();
      if (mode === 'process') {
        try {
          const pid = Number(readFileSync(join(dataDir, 'proxy', 'proxy.pid'), 'utf8'));
          process.kill(pid, 'SIGTERM');
          await new Promise((r) => setTimeout(r, 3000));
        } catch {
          // Not running.
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\nDaemon restarts under load (probe every 25 ms, ${RESTARTS} restarts per mode, same run)\n\n`);
  process.stdout.write(
    `${markdownTable(['proxy mode', 'restarts', 'window ms', 'requests', 'failed', 'longest gap ms'], rows)}\n`,
  );
  process.stdout.write(
    `\nMachine: ${cpus().length} CPUs; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ` +
      `${loadavg()[0]!.toFixed(1)} at the end (other work shared the machine).\n`,
  );
} finally {
  await removeProjectDockerObjects(projectIds);
  await git.close();
}
