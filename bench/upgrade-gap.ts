/**
 * How long apps are unreachable through Berth's proxy while Berth upgrades itself (issue 7: "at most a
 * few seconds"). An isolated install (scripts/install.sh, free loopback ports) runs a fixture app; a
 * probe requests it through the proxy every 25 ms. Each upgrade re-runs the installer with the other of
 * two images (the same build under two versions), so every run is a real stop → start → health check →
 * switch. Baseline, in the same run: the probe over a window of the same length with no upgrade.
 * Reported per run: failed requests, the longest run of failures (the gap), and the gap the upgrader
 * itself measured (old daemon stopping → new /healthz answering).
 * Run: `npm run bench:upgrade-gap` (loopback only; about two minutes; cleans up after itself).
 */
if (process.argv.includes('--proxy-upgrades')) {
  // Upgrades of the proxy process tree itself: sockets handed over to new workers (bench/proxy-upgrade-gap.ts).
  await import('./proxy-upgrade-gap.js');
  process.exit(0);
}
if (process.argv.includes('--daemon-restarts')) {
  // The data plane's variant: daemon restarts, inline proxy vs the proxy process (bench/daemon-restart-gap.ts).
  await import('./daemon-restart-gap.js');
  process.exit(0);
}
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient, createAdminToken, removeProjectDockerObjects } from '../test/helpers/daemon-api.js';
import { RUN_ID } from '../test/helpers/docker-test-env.js';
import {
  APP_IMAGE,
  BAD_IMAGE,
  buildTestImages,
  docker,
  IMAGE,
  INSTALLER,
  installer,
  newInstall,
  probeApp,
  ROOT,
  run,
  tail,
  V2_IMAGE,
} from '../test/helpers/install-harness.js';
import { formatMs, markdownTable, median } from './lib/stats.js';

const UPGRADES = 4;
const HOST = 'web-bench.localhost';

const install = await newInstall(`berth-test-${RUN_ID}-bench`);
const projectIds: string[] = [];
try {
  const first = await installer(install, ['--image', IMAGE, '--build-from', ROOT, '--local-deps'], 300_000);
  if (first.code !== 0) throw new Error(`install failed:\n${tail(first.stdout + first.stderr)}`);
  await buildTestImages();
  const api = apiClient(install.baseUrl, await createAdminToken(install.dataDir));
  const project = await api.request<{ id: string }>('POST', '/projects', { name: 'bench' });
  projectIds.push(project.body.id);
  const service = await api.request<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
    name: 'web',
    source: { type: 'image', image: APP_IMAGE },
    port: 3000,
    healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
  });
  const deployment = await api.request<{ id: string }>('POST', `/services/${service.body.id}/deployments`, {});
  const done = await api.waitForDeployment(deployment.body.id);
  if (done.status !== 'active') throw new Error(`the fixture app did not deploy: ${JSON.stringify(done)}`);

  const rows: string[][] = [];
  const upgradeGaps: number[] = [];
  const durations: number[] = [];
  for (let i = 1; i <= UPGRADES; i++) {
    const target = i % 2 === 1 ? V2_IMAGE : IMAGE;
    const probe = probeApp(install.http, HOST);
    const t0 = Date.now();
    const result = await installer(install, ['--image', target]);
    const duration = Date.now() - t0;
    const load = await probe.stop();
    if (result.code !== 0) throw new Error(`upgrade ${i} failed:\n${tail(result.stdout + result.stderr)}`);
    const status = JSON.parse(readFileSync(join(install.dataDir, 'upgrade', 'status.json'), 'utf8')) as {
      unavailableMs?: number;
    };
    upgradeGaps.push(load.longestGapMs);
    durations.push(duration);
    rows.push([
      `upgrade ${i} → ${target === IMAGE ? 'v1' : 'v2'}`,
      formatMs(duration),
      String(load.ok + load.failed),
      String(load.failed),
      formatMs(load.longestGapMs),
      formatMs(status.unavailableMs ?? NaN),
    ]);
  }
  // Baseline: the same probe for as long as a median upgrade took, nothing happening.
  const probe = probeApp(install.http, HOST);
  await new Promise((r) => setTimeout(r, median(durations)));
  const steady = await probe.stop();
  rows.push([
    'steady (no upgrade)',
    formatMs(median(durations)),
    String(steady.ok + steady.failed),
    String(steady.failed),
    formatMs(steady.longestGapMs),
    '–',
  ]);

  process.stdout.write(
    `\nBerth self-upgrade: app availability through the proxy (probe every 25 ms, ${UPGRADES} upgrades)\n\n`,
  );
  process.stdout.write(
    `${markdownTable(['run', 'installer ms', 'requests', 'failed', 'longest gap ms', 'upgrader: unavailable ms'], rows)}\n`,
  );
  process.stdout.write(`\nmedian proxy gap during an upgrade: ${formatMs(median(upgradeGaps))} ms\n`);
} finally {
  await docker(['rm', '-f', `${install.name}-upgrader`]);
  await run('sh', [INSTALLER, '--uninstall', '--purge', '--name', install.name, '--data-dir', install.dataDir]);
  await docker(['rm', '-f', `${install.name}-previous`]);
  rmSync(install.dataDir, { recursive: true, force: true });
  await removeProjectDockerObjects(projectIds);
  await docker(['image', 'rm', V2_IMAGE, BAD_IMAGE, APP_IMAGE]);
}
