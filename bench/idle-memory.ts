/**
 * Idle footprint of the control plane: resident memory of `berth serve` after start and after a
 * bounded burst of panel requests, next to a bare Node HTTP server as the baseline, in the same run;
 * then the daemon together with the proxy's process tree (process mode) at one and two workers, claimed,
 * each process's RSS and PSS 3 s after the requests and again after 60 s of idle
 * (bench/lib/proxy-tree-memory.ts). `--tree-only` skips the first table.
 * Run: `npm run build && node --import tsx bench/idle-memory.ts` (the compiled row needs dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/daemon-process.js';
import { measureWithProxyTree, type TreeRow } from './lib/proxy-tree-memory.js';

const REQUESTS = 200;
const SETTLE_MS = 3000;
// Idle for real: V8's memory reducer gives back the start's and the burst's garbage some 20 to 30 s after
// the last allocation-heavy work (measured), so the tree is read again at this point.
const IDLE_MS = 60_000;

interface Row {
  name: string;
  startMb: number;
  afterLoadMb: number;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

async function waitFor(url: string): Promise<void> {
  // Generous: a start from the sources through tsx takes over 20 s on a loaded 2-core machine.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** `restarted`: measure a second start on the same data dir, as a server runs after its first day. */
async function measure(name: string, argv: string[], path: string, restarted = false): Promise<Row> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  // Loopback ports of our own, so the bench never takes 80, 443 or 2222 on the machine.
  const ports = {
    BERTH_HTTP_PORT: String(await freePort()),
    BERTH_HTTPS_PORT: String(await freePort()),
    BERTH_SSH_PORT: String(await freePort()),
    BERTH_PROXY_HOST: '127.0.0.1',
  };
  const start = () =>
    spawn(process.execPath, argv, {
      env: {
        ...process.env,
        ...ports,
        BERTH_DATA_DIR: dataDir,
        BERTH_PANEL_PORT: String(port),
        PORT: String(port),
        BERTH_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
  let child = start();
  if (restarted) {
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    await stop(child);
    child = start();
  }
  try {
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const startMb = rssMb(child.pid!);
    for (let i = 0; i < REQUESTS; i++) await (await fetch(`http://127.0.0.1:${port}${path}`)).arrayBuffer();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { name, startMb, afterLoadMb: rssMb(child.pid!) };
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const treeOnly = process.argv.includes('--tree-only');
const baseline = `require('node:http').createServer((q, r) => r.end('ok')).listen(process.env.PORT, '127.0.0.1')`;
if (!treeOnly) {
  const rows: Row[] = [await measure('baseline: bare node:http server', ['-e', baseline], '/healthz')];
  rows.push(await measure('berth serve (tsx, from a checkout)', ['--import', 'tsx', 'src/cli.ts', 'serve'], '/login'));
  if (existsSync('dist/cli.js')) {
    rows.push(await measure('berth serve (compiled dist/, default V8 heap)', ['dist/cli.js', 'serve'], '/login'));
    // What `npm start` and the image use: a 2 MB young generation trades a few more scavenges for ~25 MB less RSS.
    rows.push(
      await measure(
        'berth serve (compiled, --max-semi-space-size=2)',
        ['--max-semi-space-size=2', 'dist/cli.js', 'serve'],
        '/login',
      ),
    );
    rows.push(
      await measure(
        'the same, restarted on its data dir (kept keys and certificates)',
        ['--max-semi-space-size=2', 'dist/cli.js', 'serve'],
        '/login',
        true,
      ),
    );
  } else console.log('(dist/ missing: run `npm run build` for the compiled row)');

  console.log(`\nIdle resident memory (MB), ${REQUESTS} sequential GET requests between the two readings\n`);
  console.log('| process | after start | after requests | vs baseline |');
  console.log('|---|---|---|---|');
  for (const row of rows) {
    const delta = row.afterLoadMb - rows[0]!.afterLoadMb;
    console.log(
      `| ${row.name} | ${row.startMb.toFixed(1)} | ${row.afterLoadMb.toFixed(1)} | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} |`,
    );
  }
}

if (existsSync('dist/proxy-main.js')) {
  const tree: TreeRow[] = [];
  const settings = { requests: REQUESTS, settleMs: SETTLE_MS, idleMs: IDLE_MS };
  // One worker, and two: the default is one per core, two on the 2-core machine these numbers come from.
  for (const workers of [1, 2]) {
    tree.push(await measureWithProxyTree(`${workers} worker(s)`, { ...settings, workers, proxyFlags: [] }));
  }
  console.log(
    `\nDaemon (compiled, --max-semi-space-size=2) + proxy process tree (compiled), claimed, MB after ${REQUESTS} requests`,
  );
  console.log('(RSS / PSS per process; RSS counts shared pages such as the node binary in each, PSS splits them)\n');
  console.log('| proxy tree | reading | daemon | supervisor | worker(s) | sum of RSS | sum of PSS |');
  console.log('|---|---|---|---|---|---|---|');
  const pair = (rss: number, pss: number) => `${rss.toFixed(1)} / ${pss.toFixed(1)}`;
  for (const row of tree) {
    const readings = [
      { when: `${SETTLE_MS / 1000} s after`, ...row },
      ...(row.idle ? [{ when: `${IDLE_MS / 1000} s idle`, ...row.idle }] : []),
    ];
    for (const reading of readings) {
      const sum = reading.rss.daemon + reading.rss.supervisor + reading.rss.workers.reduce((a, b) => a + b, 0);
      const workers = reading.rss.workers.map((mb, i) => pair(mb, reading.pss.workers[i]!)).join(' + ');
      console.log(
        `| ${row.name} | ${reading.when} | ${pair(reading.rss.daemon, reading.pss.daemon)} | ${pair(reading.rss.supervisor, reading.pss.supervisor)} | ${workers} | ${sum.toFixed(1)} | ${reading.pssTotal.toFixed(1)} |`,
      );
    }
  }
}
