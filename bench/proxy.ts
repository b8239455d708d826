/**
 * Berth's app proxy next to nginx and Caddy, in one run, on one machine, in front of the same backend:
 * direct to the backend, Berth (the real AppProxy + RouteTable, HTTP and HTTPS), nginx and Caddy (Debian's
 * packages, configs written to a temp dir), over HTTP and HTTPS with keep-alive, at 64 and 256
 * connections, measured with wrk. Rounds are interleaved (every cell once per round, the order rotated)
 * and each cell reports the median over rounds. Everything listens on 127.0.0.1 and is stopped by PID.
 *
 * Run: `npm run bench:proxy` (about 4 minutes). Missing tools: `bash scripts/bench-env.sh`.
 * Options: --rounds N (3), --seconds N per cell (5), --connections 64,256, --protocols http,https,
 *          --only direct,berth,nginx,caddy, --baseline <git-ref> (adds Berth's proxy as of that revision,
 *          to measure an optimisation before/after in the same run), --node-floor (adds a bare node:http
 *          proxy: the floor for any proxy on Node's HTTP stack), --semi-spaces 0,8 (adds Berth with other
 *          young-generation sizes than the daemon's --max-semi-space-size=2, in MB, 0 = V8's default: what
 *          that memory setting costs in throughput), --without-request-log (adds it with HTTP metrics but no
 *          request log: the log's share), --accounting-only (only Berth with and without accounting),
 *          --http1-listener (adds Berth with HTTP/2 off: an HTTP/1.1-only https server, what the HTTP/2
 *          listener's HTTP/1.1 fallback costs the HTTP/1.1 clients wrk stands for),
 *          --cpu-prof (V8 profiles of both: the accounting's share of the proxy's busy CPU, which the
 *          machine's load does not move the way it moves req/s),
 *          --process-workers 1,N (default 1 and one per core; '' for none: Berth's proxy as its own process
 *          tree, BERTH_PROXY_MODE=process, with that many workers), --balance kernel|round-robin (how its
 *          workers get connections; kernel = every worker accepts, round-robin = node:cluster's default).
 * Every run with Berth also runs the same build without the request accounting (HTTP metrics and the
 * request log) right next to it in each round and prints what the accounting costs (budget < 3 %).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBaseline, removeBaseline } from './lib/berth-baseline.js';
import {
  buildBerthProxy,
  DAEMON_NODE_FLAGS,
  removeBerthBuild,
  startBerthProxy,
  startNodeFloorProxy,
} from './lib/berth-proxy-process.js';
import { startBerthProxyTree } from './lib/berth-proxy-tree.js';
import { treeCpuUs, treeRssMb } from './lib/proc-stats.js';
import {
  missingTools,
  selfSignedCertificate,
  startBackend,
  startCaddy,
  startNginx,
  stopServer,
  type RunningServer,
} from './lib/proxy-peers.js';
import {
  accountingMicroReport,
  accountingReport,
  collectAccountingRows,
  orderWithPair,
  WITH_ACCOUNTING,
  WITHOUT_ACCOUNTING,
} from './lib/accounting-cost.js';
import { profileShareReport } from './lib/cpu-profile-share.js';
import { markdownTable, median } from './lib/stats.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const HOSTNAME = 'bench.localhost';
const WARMUP_SECONDS = 1;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64,256' },
    protocols: { type: 'string', default: 'http,https' },
    only: { type: 'string' },
    baseline: { type: 'string' },
    'node-floor': { type: 'boolean', default: false },
    // Kept for old command lines: the comparison now always runs.
    'without-accounting': { type: 'boolean', default: true },
    'accounting-only': { type: 'boolean', default: false },
    'without-request-log': { type: 'boolean', default: false },
    'semi-spaces': { type: 'string' },
    'http1-listener': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'process-workers': { type: 'string', default: `1,${availableParallelism()}` },
    balance: { type: 'string', default: 'kernel' },
  },
});
const rounds = boundedInt(args.rounds, 1, 10, 'rounds');
const seconds = boundedInt(args.seconds, 1, 30, 'seconds');
const connectionCounts = args.connections.split(',').map((c) => boundedInt(c, 1, 1024, 'connections'));
const protocols = args.protocols.split(',') as Array<'http' | 'https'>;
const only = args['accounting-only'] ? ['berth'] : args.only?.split(',');

/** 12,345 → "12.3", for the per-round spread. */
function kilo(value: number): string {
  return (value / 1000).toFixed(1);
}

function boundedInt(raw: string, min: number, max: number, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be ${min}..${max}`);
  return value;
}

const missing = missingTools();
if (missing.length > 0) {
  console.error(
    `bench:proxy needs ${missing.join(', ')}. Install: bash scripts/bench-env.sh (Debian: apt-get install nginx caddy wrk)`,
  );
  process.exit(2);
}

interface Cell {
  rps: number[];
  p50: number[];
  p99: number[];
  cpuPerRequest: number[];
  errors: number;
}

const loadAtStart = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-proxy-'));
const servers: RunningServer[] = [];
// Every server goes here as soon as it listens, so a failure starting the next one still stops it.
const targets: RunningServer[] = [];
const rssFresh = new Map<string, number>();
// Interrupted (Ctrl-C, a closed pipe, a timeout): the servers are children that would outlive us.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}
try {
  const cert = selfSignedCertificate(dir, HOSTNAME);
  const backend = await startBackend();
  servers.push(backend);
  const wanted = (name: string) => only === undefined || only.includes(name) || only.includes(name.split(/[@ ]/)[0]!);
  const build = buildBerthProxy();
  if (wanted('direct')) targets.push({ ...backend, name: 'direct' });
  // --cpu-prof: V8 profiles of Berth and its twin, for the accounting's share of the proxy's CPU.
  const profiled: Array<{ name: string; dir: string }> = [];
  const profileFlags = (name: string) => {
    if (!args['cpu-prof']) return undefined;
    profiled.push({ name, dir: join(dir, `profile-${profiled.length}`) });
    return [...DAEMON_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profiled.at(-1)!.dir}`];
  };
  if (wanted('berth')) {
    const nodeFlags = profileFlags(WITH_ACCOUNTING);
    targets.push(await startBerthProxy({ build, hostname: HOSTNAME, backendPort: backend.httpPort, cert, nodeFlags }));
  }
  if (args.baseline !== undefined) {
    const baseline = buildBaseline(args.baseline);
    const name = `berth@${args.baseline}`;
    targets.push(
      await startBerthProxy({ build: baseline, hostname: HOSTNAME, backendPort: backend.httpPort, cert, name }),
    );
  }
  for (const raw of args['semi-spaces']?.split(',') ?? []) {
    const mb = boundedInt(raw, 0, 256, 'semi-spaces');
    const name = mb === 0 ? 'berth V8 default young gen' : `berth semi-space ${mb} MB`;
    const nodeFlags = mb === 0 ? [] : [`--max-semi-space-size=${mb}`];
    targets.push(
      await startBerthProxy({ build, hostname: HOSTNAME, backendPort: backend.httpPort, cert, name, nodeFlags }),
    );
  }
  // The same build without the request accounting, next to Berth in every round: what the accounting costs.
  const twin = { build, hostname: HOSTNAME, backendPort: backend.httpPort, cert, name: WITHOUT_ACCOUNTING };
  if (wanted('berth'))
    targets.push(await startBerthProxy({ ...twin, accounting: false, nodeFlags: profileFlags(WITHOUT_ACCOUNTING) }));
  if (args['without-request-log']) {
    const name = 'berth metrics only';
    targets.push(
      await startBerthProxy({
        build,
        hostname: HOSTNAME,
        backendPort: backend.httpPort,
        cert,
        name,
        requestLog: false,
      }),
    );
  }
  if (args['http1-listener']) {
    const name = 'berth http/1.1-only listener';
    const settings = { http2: false };
    targets.push(
      await startBerthProxy({ build, hostname: HOSTNAME, backendPort: backend.httpPort, cert, name, settings }),
    );
  }
  for (const raw of args['process-workers'].split(',').filter((w) => w !== '')) {
    if (!wanted('berth') && !wanted('process')) break;
    const workers = boundedInt(raw, 1, 64, 'process-workers');
    const balance = args.balance === 'round-robin' ? 'round-robin' : 'kernel';
    const name = `berth process ${workers}w${balance === 'kernel' ? '' : ' rr'}`;
    targets.push(
      await startBerthProxyTree({ workers, hostname: HOSTNAME, backendPort: backend.httpPort, balance, name }),
    );
  }
  if (args['node-floor']) targets.push(await startNodeFloorProxy({ backendPort: backend.httpPort, cert }));
  if (wanted('nginx')) targets.push(await startNginx(dir, backend.httpPort, cert));
  if (wanted('caddy')) targets.push(await startCaddy(dir, backend.httpPort, cert));

  await new Promise((r) => setTimeout(r, 1000));
  for (const target of targets) rssFresh.set(target.name, treeRssMb(target.child.pid!));

  const url = (target: RunningServer, protocol: 'http' | 'https') =>
    protocol === 'http' ? `http://127.0.0.1:${target.httpPort}/` : `https://127.0.0.1:${target.httpsPort}/`;
  const servesProtocol = (target: RunningServer, protocol: 'http' | 'https') =>
    protocol === 'http' || target.httpsPort !== undefined;

  // Warm-up: JIT, connection pools, TLS session caches.
  for (const protocol of protocols) {
    for (const target of targets.filter((t) => servesProtocol(t, protocol))) {
      await runWrk({
        url: url(target, protocol),
        host: HOSTNAME,
        connections: 64,
        seconds: WARMUP_SECONDS,
        threads: 2,
      });
    }
  }

  const cells = new Map<string, Cell>();
  const key = (protocol: string, connections: number, name: string) => `${protocol}|${connections}|${name}`;
  const started = Date.now();
  for (let round = 0; round < rounds; round++) {
    for (const protocol of protocols) {
      for (const connections of connectionCounts) {
        // Rotate the order each round so no server always runs right after the same neighbour; the
        // accounting twin runs right next to Berth (accounting-cost.ts).
        const rotated = orderWithPair(
          targets.filter((t) => servesProtocol(t, protocol)),
          round,
        );
        for (const target of rotated) {
          const pid = target.child.pid!;
          const cpuBefore = treeCpuUs(pid);
          const result: WrkResult = await runWrk({
            url: url(target, protocol),
            host: HOSTNAME,
            connections,
            seconds,
            threads: 2,
          });
          const cpuUs = treeCpuUs(pid) - cpuBefore;
          const cell = cells.get(key(protocol, connections, target.name)) ?? {
            rps: [],
            p50: [],
            p99: [],
            cpuPerRequest: [],
            errors: 0,
          };
          cell.rps.push(result.requestsPerSecond);
          cell.p50.push(result.p50Ms);
          cell.p99.push(result.p99Ms);
          cell.cpuPerRequest.push(cpuUs / Math.max(1, result.requests));
          cell.errors += result.errors;
          cells.set(key(protocol, connections, target.name), cell);
        }
      }
    }
    console.error(`round ${round + 1}/${rounds} done (${Math.round((Date.now() - started) / 1000)} s)`);
  }

  const rows: string[][] = [];
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}x`;
  for (const protocol of protocols) {
    for (const connections of connectionCounts) {
      const medianRps = (name: string) => {
        const cell = cells.get(key(protocol, connections, name)) ?? cells.get(key('http', connections, name));
        return cell ? median(cell.rps) : undefined;
      };
      for (const target of targets.filter((t) => servesProtocol(t, protocol))) {
        const cell = cells.get(key(protocol, connections, target.name))!;
        const rps = median(cell.rps);
        const isDirect = target.name === 'direct';
        rows.push([
          protocol.toUpperCase(),
          String(connections),
          target.name,
          Math.round(rps).toLocaleString('en-US'),
          `${kilo(Math.min(...cell.rps))}–${kilo(Math.max(...cell.rps))}`,
          median(cell.p50).toFixed(2),
          median(cell.p99).toFixed(2),
          String(cell.errors),
          isDirect ? '–' : Math.round(median(cell.cpuPerRequest)).toString(),
          isDirect ? '–' : ratio(rps, medianRps('direct')),
          isDirect || target.name === 'nginx' ? '–' : ratio(rps, medianRps('nginx')),
          isDirect || target.name === 'caddy' ? '–' : ratio(rps, medianRps('caddy')),
        ]);
      }
    }
  }
  const accountingRows = collectAccountingRows(protocols, connectionCounts, (protocol, connections, name) =>
    cells.get(key(protocol, connections, name)),
  );
  const rssRows = targets
    .filter((t) => t.name !== 'direct')
    .map((t) => [t.name, rssFresh.get(t.name)!.toFixed(0), treeRssMb(t.child.pid!).toFixed(0)]);

  console.log(
    `\nReverse proxies side by side (node ${process.version}, wrk 2 threads, keep-alive, ${rounds} interleaved ` +
      `rounds of ${seconds} s per cell, medians; loopback, one machine; Berth ${build.note})\n`,
  );
  console.log(
    markdownTable(
      [
        'protocol',
        'conns',
        'server',
        'req/s',
        'rounds (k)',
        'p50 ms',
        'p99 ms',
        'errors',
        'CPU µs/req',
        'vs direct',
        'vs nginx',
        'vs Caddy',
      ],
      rows,
    ),
  );
  if (accountingRows.length > 0) {
    console.log(
      `\nRequest accounting (HTTP metrics + request log into SQLite) on and off, same build, same run, ` +
        `${rounds} rounds back to back (order alternating); medians\n`,
    );
    console.log(accountingReport(accountingRows));
    console.log(`\n${await accountingMicroReport(accountingRows)}`);
  }
  if (profiled.length > 0) {
    // V8 writes a profile when the process exits: stop the two now (cleanUp skips what has exited).
    for (const target of targets.filter((t) => profiled.some((p) => p.name === t.name))) await stopServer(target);
    console.log(`\nShare of each proxy's busy CPU (V8 profile, start-up left out; profiling slows both alike)\n`);
    console.log(profileShareReport(profiled));
  }
  console.log('\nResident memory of each proxy (all its processes), MB\n');
  console.log(markdownTable(['server', 'fresh', 'after the load'], rssRows));
  console.log('\nvs direct on HTTPS compares with the backend over plain HTTP (the backend speaks no TLS).');
  console.log(
    `Machine: ${cpus().length} CPUs shared by wrk, the backend and the proxy under test; 1-minute load average ` +
      `${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (above ${cpus().length} means ` +
      'other work competed for the CPUs and every number is lower and noisier than on an idle machine).',
  );
} finally {
  await cleanUp();
}

async function cleanUp(): Promise<void> {
  const started = [...servers, ...targets.filter((t) => t.name !== 'direct')];
  servers.length = 0;
  targets.length = 0;
  for (const server of started.reverse()) await stopServer(server).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  removeBerthBuild();
  removeBaseline();
}
