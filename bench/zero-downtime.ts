/**
 * Zero-downtime redeploys under load: requests, failures and latency through Berth's proxy at 200
 * concurrent keep-alive connections across 20 redeploys (each a new commit: fetch, build, health check,
 * stabilisation, switch, drain), against steady state (the same load for the same total duration with no
 * redeploy) in the same run. Goal from issue 3: 0 failures and p99 under 2× the steady p99.
 *
 * One continuous load runs the whole time. Each redeploy window (trigger → old container removed) is
 * followed by a steady window of the same length, and every request is counted in the window it ended
 * in. Interleaving matters: the machine and the host's TCP state drift during a run (other work, TIME_WAIT
 * sockets piling up), and a steady run placed before or after the redeploys would get a different share.
 * Run: `npm run bench:zero-downtime` (loopback only; roughly ten minutes on 2 cores).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { RUN_ID } from '../test/helpers/docker-test-env.js';
import { startBenchApp } from './lib/berth-app.js';
import { waitForAnswer } from './lib/first-answer.js';
import { startLatencyLoad, type LatencyLoadResult } from './lib/latency-load.js';
import { formatMs, markdownTable, sortedPercentile } from './lib/stats.js';

const CONNECTIONS = 200;
const REDEPLOYS = 20;
const WARMUP_MS = 5000;
/** Left out of both kinds of window, so a request that straddles the edge is not mis-counted. */
const GAP_MS = 500;
/** Bounds of the load (time and count); 20 × (redeploy + steady) takes far less. */
const MAX_LOAD_SECONDS = 1500;
const MAX_REQUESTS = 8_000_000;
/** Requests that ended this close to the first answer of a new version count as "around a switch". */
const SWITCH_WINDOW_MS = 1000;
const GOAL_P99_RATIO = 2;

/** Versions unique to this run, so every redeploy builds its COPY layer instead of finding it cached. */
const version = (i: number) => `v${i}-${RUN_ID}`;
/** Epoch ms on the clock the load worker uses. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** [from, to] in ms since the load started. */
type Window = [number, number];

interface Row {
  name: string;
  requests: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** The requests that ended inside the windows: count, failures, latency percentiles. */
function rowFor(name: string, result: LatencyLoadResult, windows: Window[]): Row {
  const isInside = (t: number) => windows.some(([from, to]) => t >= from && t <= to);
  const picked: number[] = [];
  for (let i = 0; i < result.requests; i++) if (isInside(result.endsMs[i]!)) picked.push(result.latenciesMs[i]!);
  const sorted = Float64Array.from(picked).sort();
  return {
    name,
    requests: picked.length,
    failed: result.failureEndsMs.filter(isInside).length,
    seconds: windows.reduce((sum, [from, to]) => sum + (to - from), 0) / 1000,
    p50: sortedPercentile(sorted, 50),
    p99: sortedPercentile(sorted, 99),
  };
}

const loadAverageAtStart = loadavg()[0]!.toFixed(2);
const app = await startBenchApp({ project: 'zdt', firstVersion: version(0) });
try {
  const first = await app.harness.waitForDeployment(await app.trigger());
  if (first.status !== 'active') {
    throw new Error(`the first deployment ended ${String(first.status)}: ${String(first.error)}`);
  }
  await waitForAnswer({ port: app.harness.proxyPort, host: app.host, expected: version(0), timeoutMs: 30_000 });
  await app.waitSettled();

  const load = startLatencyLoad({
    port: app.harness.proxyPort,
    host: app.host,
    path: '/',
    connections: CONNECTIONS,
    maxSeconds: MAX_LOAD_SECONDS,
    maxRequests: MAX_REQUESTS,
  });
  await load.ready;
  const loadStartedAt = now();
  const sinceLoadStart = () => now() - loadStartedAt;
  console.log(`${CONNECTIONS} connections on ${version(0)}; warming up for ${WARMUP_MS / 1000} s`);
  await sleep(WARMUP_MS);

  const redeployWindows: Window[] = [];
  const steadyWindows: Window[] = [];
  const deployProblems: string[] = [];
  for (let i = 1; i <= REDEPLOYS; i++) {
    await app.commitVersion(version(i));
    const from = sinceLoadStart();
    const deployment = await app.harness.waitForDeployment(await app.trigger());
    await app.waitSettled();
    const to = sinceLoadStart();
    redeployWindows.push([from, to]);
    if (deployment.status !== 'active') {
      deployProblems.push(`${version(i)}: ${String(deployment.status)} (${String(deployment.error)})`);
    }
    await sleep(GAP_MS);
    const steadyFrom = sinceLoadStart();
    await sleep(to - from);
    steadyWindows.push([steadyFrom, sinceLoadStart()]);
    await sleep(GAP_MS);
    console.log(`  redeploy ${i}: ${String(deployment.status)}, ${((to - from) / 1000).toFixed(1)} s + as long steady`);
  }
  const result = await load.stop();
  // The worker's own start is a few ms before `ready` resolved here: align its times with ours.
  const offset = loadStartedAt - result.startedAt;
  const shift = (windows: Window[]): Window[] => windows.map(([from, to]) => [from + offset, to + offset]);
  const switches: Window[] = result.bodies
    .slice(1)
    .map((b) => [b.firstSeenMs - SWITCH_WINDOW_MS, b.firstSeenMs + SWITCH_WINDOW_MS]);

  const rows = [
    rowFor('steady (no redeploy)', result, shift(steadyWindows)),
    rowFor(`across ${REDEPLOYS} redeploys`, result, shift(redeployWindows)),
    rowFor(`of which ±${SWITCH_WINDOW_MS / 1000} s around the ${switches.length} switches`, result, switches),
  ];
  const [steady, redeploys] = [rows[0]!, rows[1]!];
  console.log(
    `\nZero-downtime redeploys through Berth's proxy: ${CONNECTIONS} keep-alive connections (GET / of the ` +
      `Dockerfile fixture), ${REDEPLOYS} redeploys (trigger → old container removed: ${redeploys.seconds.toFixed(0)} s ` +
      `in all), each followed by a steady window as long (${steady.seconds.toFixed(0)} s in all), on one continuous ` +
      `load. Latency of every request, failed ones included. Load average ${loadAverageAtStart} at start, ` +
      `${loadavg()[0]!.toFixed(2)} at the end.\n`,
  );
  console.log(
    markdownTable(
      ['run', 'requests', 'failures', 'req/s', 'p50 (ms)', 'p99 (ms)', 'p99 ratio'],
      rows.map((r) => [
        r.name,
        String(r.requests),
        String(r.failed),
        (r.requests / r.seconds).toFixed(0),
        formatMs(r.p50),
        formatMs(r.p99),
        `${(r.p99 / steady.p99).toFixed(2)}×`,
      ]),
    ),
  );
  const ratio = redeploys.p99 / steady.p99;
  const isMet = result.failed === 0 && ratio < GOAL_P99_RATIO;
  console.log(
    `\nGoal (0 failures and p99 under ${GOAL_P99_RATIO}× steady p99): ${isMet ? 'met' : 'NOT met'} ` +
      `(${result.failed} failures in the whole run, p99 ratio ${ratio.toFixed(2)}×)`,
  );
  const versions = result.bodies.map((b) => b.body);
  const expected = Array.from({ length: REDEPLOYS + 1 }, (_, i) => version(i));
  const isInOrder = versions.join(',') === expected.join(',');
  console.log(
    `Versions served in order v0 → v${REDEPLOYS}, never back: ${isInOrder ? 'yes' : `NO (${versions.join(', ')})`}`,
  );
  console.log(`Deployments: ${REDEPLOYS - deployProblems.length} of ${REDEPLOYS} active ${deployProblems.join('; ')}`);
  if (result.hitRequestCap || result.seconds * 1000 < sinceLoadStart() - 1000) {
    console.log(`WARNING: the load hit its cap (${MAX_REQUESTS} requests or ${MAX_LOAD_SECONDS} s) before the end`);
  }
  if (result.errors.length > 0) console.log(`First failures: ${result.errors.join(' | ')}`);
} finally {
  await app.close();
}
