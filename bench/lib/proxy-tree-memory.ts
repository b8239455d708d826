/**
 * Idle memory of the daemon together with the proxy's process tree (BERTH_PROXY_MODE=process), both
 * from the compiled dist/: the proxy is started first, as the installer's proxy container does
 * (BERTH_PROXY_EXTERNAL), and `berth serve` connects to it. The install is claimed first (the one-time
 * setup link from the daemon's output, as a new owner does), then the signed-in dashboard and the proxy are
 * asked `requests` times each. Read per process: RSS (shared pages, such as the node binary, counted in
 * every process) and PSS (shared pages split between the processes that map them: the sum is what the
 * tree really costs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/daemon-process.js';
import { FetchClient } from '../../test/helpers/fetch-client.js';
import { csrfTokenOf } from '../../test/helpers/inject-client.js';
import { processTree } from './proc-stats.js';

export interface TreeRow {
  name: string;
  /** MB `settleMs` after the requests, per process. */
  rss: ProcessMemory;
  pss: ProcessMemory;
  pssTotal: number;
  /** The same once the tree has idled `idleMs` after the requests (V8's memory reducer has run by then). */
  idle?: { rss: ProcessMemory; pss: ProcessMemory; pssTotal: number };
}

export interface ProcessMemory {
  daemon: number;
  supervisor: number;
  workers: number[];
}

function field(path: string, name: string): number {
  try {
    const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(readFileSync(path, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
const rss = (pid: number) => field(`/proc/${pid}/status`, 'VmRSS');
const pss = (pid: number) => field(`/proc/${pid}/smaps_rollup`, 'Pss');

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

export async function measureWithProxyTree(
  name: string,
  options: {
    workers: number;
    proxyFlags: string[];
    requests: number;
    settleMs: number;
    idleMs?: number;
    daemonFlags?: string[];
  },
): Promise<TreeRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-tree-'));
  const panel = await freePort();
  const http = await freePort();
  const env = {
    ...process.env,
    BERTH_DATA_DIR: dataDir,
    BERTH_PANEL_PORT: String(panel),
    BERTH_HTTP_PORT: String(http),
    BERTH_HTTPS_PORT: String(await freePort()),
    BERTH_SSH_PORT: String(await freePort()),
    BERTH_PROXY_HOST: '127.0.0.1',
    BERTH_LOG_LEVEL: 'warn',
    BERTH_PROXY_MODE: 'process',
    BERTH_PROXY_EXTERNAL: 'true',
    BERTH_PROXY_WORKERS: String(options.workers),
  };
  const proxy = spawn(process.execPath, [...options.proxyFlags, 'dist/proxy-main.js'], { env, stdio: 'ignore' });
  let daemon: ChildProcess | undefined;
  try {
    await until(() => existsSync(join(dataDir, 'proxy', 'control.sock')), 'the proxy start');
    daemon = spawn(
      process.execPath,
      [...(options.daemonFlags ?? ['--max-semi-space-size=2']), 'dist/cli.js', 'serve'],
      {
        env,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let output = '';
    daemon.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const answers = async (url: string) =>
      fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    await until(() => answers(`http://127.0.0.1:${panel}/healthz`), 'the daemon start');
    await until(() => /\/setup\?token=\S+/.test(output), 'the setup link');
    const client = await claim(`http://127.0.0.1:${panel}`, /\/setup\?token=\S+/.exec(output)![0]);
    await new Promise((r) => setTimeout(r, options.settleMs));
    for (let i = 0; i < options.requests; i++) {
      const page = await client.get('/');
      if (page.statusCode !== 200) throw new Error(`the dashboard answered ${page.statusCode}`);
      // Unknown host: the proxy answers 404 itself (every worker's request path runs).
      await (await fetch(`http://127.0.0.1:${http}/`)).arrayBuffer();
    }
    const finished = Date.now();
    await new Promise((r) => setTimeout(r, options.settleMs));
    const workers = processTree(proxy.pid!).slice(1);
    const read = () => {
      const rssNow = { daemon: rss(daemon!.pid!), supervisor: rss(proxy.pid!), workers: workers.map(rss) };
      const pssNow = { daemon: pss(daemon!.pid!), supervisor: pss(proxy.pid!), workers: workers.map(pss) };
      const pssTotal = pssNow.daemon + pssNow.supervisor + pssNow.workers.reduce((a, b) => a + b, 0);
      return { rss: rssNow, pss: pssNow, pssTotal };
    };
    const row: TreeRow = { name, ...read() };
    if (options.idleMs !== undefined) {
      await new Promise((r) => setTimeout(r, Math.max(0, finished + options.idleMs! - Date.now())));
      row.idle = read();
    }
    return row;
  } finally {
    if (daemon) await stop(daemon);
    await stop(proxy);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The first-run setup through the panel's form, as a new owner does it; answers a signed-in client. */
async function claim(baseUrl: string, setupPath: string): Promise<FetchClient> {
  const client = new FetchClient(baseUrl);
  const form = await client.get(setupPath);
  const token = new URL(setupPath, baseUrl).searchParams.get('token')!;
  const fields = {
    _csrf: csrfTokenOf(form.body),
    token,
    email: 'owner@example.com',
    password: 'a-long-bench-password',
  };
  const claimed = await client.postForm('/setup', fields);
  if (claimed.statusCode !== 303)
    throw new Error(`the claim answered ${claimed.statusCode}: ${claimed.body.slice(0, 300)}`);
  return client;
}
