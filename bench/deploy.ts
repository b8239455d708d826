/**
 * Trigger → serving for the Dockerfile fixture with a warm build cache, split by phase: N redeploys
 * (each a new commit changing VERSION) after one warm-up, timed from the API POST to the first 200 with
 * the new answer through Berth's proxy, with the deployment's own phase timings. Baseline, interleaved
 * in the same run: the same fixture by hand through the Docker CLI (docker build, docker run, first 200).
 * Run: `npm run bench:deploy` (loopback only; a minute or two).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ACTIVE_PHASES } from '../src/deploys/deployment.types.js';
import { freePort } from '../test/helpers/daemon-process.js';
import { fixtureFiles } from '../test/helpers/deploy-harness.js';
import { RUN_ID, TEST_IMAGES, TEST_RUN_LABEL, cleanupTestContainers } from '../test/helpers/docker-test-env.js';
import { startBenchApp, type BenchApp } from './lib/berth-app.js';
import { docker } from './lib/docker-cli.js';
import { waitForAnswer } from './lib/first-answer.js';
import { formatMs, markdownTable, max, median } from './lib/stats.js';

const RUNS = 5;
const ANSWER_TIMEOUT_MS = 120_000;
/** BERTH_STABILISATION_SECONDS in the test harness (also Berth's default): the watch window after the switch. */
const STABILISATION_MS = 3000;

type Sample = Record<string, number>;

/** Versions unique to this run, so no build finds its COPY layer cached from an earlier run or a test. */
const berthVersion = (i: number) => `v${i}-${RUN_ID}`;
const plainVersion = (i: number) => `plain-v${i}-${RUN_ID}`;

/** One Berth redeploy: POST, then the proxy's first 200 with the new version; the deployment's phase timings. */
async function berthRedeploy(app: BenchApp, version: string): Promise<Sample> {
  await app.commitVersion(version);
  const postedAt = Date.now();
  const id = await app.trigger();
  const answeredAt = await waitForAnswer({
    port: app.harness.proxyPort,
    host: app.host,
    expected: version,
    timeoutMs: ANSWER_TIMEOUT_MS,
  });
  const deployment = await app.harness.waitForDeployment(id);
  if (deployment.status !== 'active') throw new Error(`${version} ended ${String(deployment.status)}`);
  await app.waitSettled();
  const phases = deployment.phaseTimings as Record<string, number>;
  const queued = Date.parse(String(deployment.startedAt)) - Date.parse(String(deployment.createdAt));
  const total = answeredAt - postedAt;
  // The watch window comes after the switch, so after the first answer: not part of the total.
  const accounted = queued + Object.entries(phases).reduce((a, [k, v]) => (k === 'watching' ? a : a + v), 0);
  return { queued, ...phases, other: total - accounted, total };
}

/**
 * The same fixture by hand: docker build, docker run with a loopback port, poll until the first 200.
 * Its versions differ from Berth's (`plain-v1-…`, not `v1-…`): with the same VERSION the COPY layer would
 * come from the cache Berth's build just filled, and the baseline would skip the work Berth does.
 */
async function plainDocker(dir: string, version: string, tags: string[]): Promise<Sample> {
  await writeFile(join(dir, 'VERSION'), `${version}\n`);
  const tag = `berth-bench/dockerfile-app:${RUN_ID}-${version}`;
  const label = `${TEST_RUN_LABEL}=${RUN_ID}`;
  const port = await freePort();
  const startedAt = Date.now();
  await docker(['build', '-t', tag, '--build-arg', `BASE_IMAGE=${TEST_IMAGES.node}`, '--label', label, dir]);
  tags.push(tag);
  const builtAt = Date.now();
  const name = `berth-bench-${RUN_ID}-${version}`;
  await docker(['run', '-d', '--name', name, '--label', label, '-p', `127.0.0.1:${port}:3000`, tag]);
  const runAt = Date.now();
  const answeredAt = await waitForAnswer({
    port,
    host: `127.0.0.1:${port}`,
    expected: version,
    timeoutMs: ANSWER_TIMEOUT_MS,
  });
  await docker(['rm', '-f', name]);
  return {
    build: builtAt - startedAt,
    run: runAt - builtAt,
    answer: answeredAt - runAt,
    total: answeredAt - startedAt,
  };
}

const loadAtStart = loadavg()[0]!.toFixed(2);
const fixtureDir = await mkdtemp(join(tmpdir(), 'berth-bench-fixture-'));
const tags: string[] = [];
const berth: Sample[] = [];
const plain: Sample[] = [];
const app = await startBenchApp({ project: 'bench', firstVersion: berthVersion(0) });
try {
  for (const [file, content] of Object.entries(fixtureFiles('dockerfile-app'))) {
    await mkdir(dirname(join(fixtureDir, file)), { recursive: true });
    await writeFile(join(fixtureDir, file), content);
  }
  console.log('Warm-up: first deploy through Berth and a first plain docker build');
  const first = await app.harness.waitForDeployment(await app.trigger());
  if (first.status !== 'active') throw new Error(`the first deployment ended ${String(first.status)}`);
  await app.waitSettled();
  await plainDocker(fixtureDir, plainVersion(0), tags);
  for (let i = 1; i <= RUNS; i++) {
    // Interleaved, so drift on a shared machine hits both sides alike.
    berth.push(await berthRedeploy(app, berthVersion(i)));
    plain.push(await plainDocker(fixtureDir, plainVersion(i), tags));
    console.log(`  run ${i}: Berth ${berth.at(-1)!.total} ms, docker CLI ${plain.at(-1)!.total} ms`);
  }
} finally {
  await app.close();
  await cleanupTestContainers();
  for (const tag of tags) await docker(['rmi', tag]).catch(() => {});
  await rm(fixtureDir, { recursive: true, force: true });
}

const cells = (label: string, samples: Sample[], key: string) => {
  const values = samples.map((s) => s[key] ?? 0);
  return [label, formatMs(median(values)), formatMs(max(values))];
};
const phaseLabels: Record<string, string> = {
  fetching: 'fetching (git fetch at the commit)',
  building: 'building (docker build through the API)',
  releasing: 'releasing (no release command here)',
  starting: 'starting (create + start the new container)',
  healthy: 'healthy (health check until the first pass)',
  watching: `watching (${STABILISATION_MS / 1000} s window after the switch; not in the total)`,
};
const rows = [
  cells('Berth: queued (created → runner start)', berth, 'queued'),
  ...ACTIVE_PHASES.map((phase) => cells(`Berth: ${phaseLabels[phase] ?? phase}`, berth, phase)),
  cells('Berth: other (API, switch, probe granularity)', berth, 'other'),
  cells('**Berth: total, POST → first 200 with the new version via the proxy**', berth, 'total'),
  cells('docker CLI: docker build', plain, 'build'),
  cells('docker CLI: docker run -d (create + start)', plain, 'run'),
  cells('docker CLI: first 200 with the new version', plain, 'answer'),
  cells('**docker CLI: total**', plain, 'total'),
];
const berthTotal = median(berth.map((s) => s.total!));
const plainTotal = median(plain.map((s) => s.total!));
console.log(
  `\nTrigger → serving, Dockerfile fixture, warm cache: ${RUNS} redeploys (new commit changing VERSION) after one ` +
    `warm-up, interleaved with the same build and run done by hand through the Docker CLI (legacy builder on ` +
    `both sides). Milliseconds. Load average ${loadAtStart} at start, ${loadavg()[0]!.toFixed(2)} at the end.\n`,
);
console.log(markdownTable(['phase', 'median (ms)', 'max (ms)'], rows));
console.log(
  `\nBerth's overhead over the plain Docker CLI (medians): +${formatMs(berthTotal - plainTotal)} ms ` +
    `(${(berthTotal / plainTotal).toFixed(2)}×). Target (issue 17): at most 1.5× the CLI + 300 ms = ` +
    `${formatMs(1.5 * plainTotal + 300)} ms: ${berthTotal <= 1.5 * plainTotal + 300 ? 'met' : 'not met'}. ` +
    `The ${STABILISATION_MS} ms stabilisation window runs after the switch (the watching row).`,
);
