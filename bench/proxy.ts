/**
 * Throughput and latency of Berth's app proxy next to the same backend reached directly, in one run:
 * keep-alive, 1 and 64 connections, 5-second runs, direct and proxied interleaved, plus the proxy
 * process's resident memory fresh and after the load.
 * Run: `node --import tsx bench/proxy.ts` (loopback only; takes about a minute).
 *
 * Three processes share the machine: a bare node:http backend, the proxy (compiled with tsc so its RSS
 * is not inflated by the TypeScript loader) and this load generator, a raw-socket HTTP/1.1 client
 * (http.request would be the bottleneck long before the proxy is).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const RUN_MS = 5000;
const WARMUP_MS = 1000;
const CONNECTION_COUNTS = [1, 64];
const MAX_SAMPLES = 5_000_000;
const HOSTNAME = 'bench.localhost';
const BUILD_DIR = join('node_modules', '.cache', 'berth-bench-proxy');

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latenciesUs: Float64Array;
}

// ---------- processes ----------

const backendSource = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('hello world'));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
`;

function proxySource(entry: string, upstreamPort: number): string {
  return `
const { AppProxy } = await import(${JSON.stringify(`${entry}/proxy/proxy-server.js`)});
const { RouteTable } = await import(${JSON.stringify(`${entry}/proxy/route-table.js`)});
const { createLogger } = await import(${JSON.stringify(`${entry}/logger.js`)});
const routes = new RouteTable();
routes.setRoute([${JSON.stringify(HOSTNAME)}], 'svc_bench', [{ id: 'backend', host: '127.0.0.1', port: ${upstreamPort} }]);
const proxy = new AppProxy(routes, { logger: createLogger('warn') });
await proxy.listenHttp(0, '127.0.0.1');
console.log(JSON.stringify({ port: proxy.httpAddress().port }));
process.on('SIGTERM', () => proxy.close().then(() => process.exit(0)));
`;
}

/** Compiles the proxy's module graph with tsc; falls back to running the sources through tsx. */
function buildProxy(): { entry: string; argv: string[]; note: string } {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '--ignoreConfig',
      ...['--outDir', BUILD_DIR, '--rootDir', 'src', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
      ...['--target', 'ES2022', '--esModuleInterop', '--skipLibCheck', '--types', 'node'],
      ...['src/proxy/proxy-server.ts', 'src/proxy/route-table.ts', 'src/logger.ts'],
    ],
    { encoding: 'utf8' },
  );
  const entry = join(process.cwd(), BUILD_DIR);
  if (existsSync(join(entry, 'proxy', 'proxy-server.js'))) {
    return { entry, argv: ['--input-type=module', '-e'], note: 'compiled with tsc' };
  }
  console.error(`tsc did not emit (${tsc.stdout.slice(0, 300)}); running the proxy through tsx`);
  return { entry: join(process.cwd(), 'src'), argv: ['--import', 'tsx', '--input-type=module', '-e'], note: 'tsx' };
}

async function startProcess(argv: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const line = /\{"port":(\d+)\}/.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.once('exit', (code) => reject(new Error(`process exited early (${code})`)));
    setTimeout(() => reject(new Error('process did not start within 20 s')), 20_000).unref();
  });
  return { child, port };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** User + system CPU time of a process, in microseconds (from /proc, clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

// ---------- load generator ----------

const HEADER_END = Buffer.from('\r\n\r\n');

/** Keep-alive HTTP/1.1 over raw sockets: one request in flight per connection, bounded by time. */
function runLoad(port: number, connections: number, durationMs: number, record: boolean): Promise<LoadResult> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOSTNAME}\r\n\r\n`);
  const latencies = new Float64Array(record ? MAX_SAMPLES : 0);
  let samples = 0;
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;

  const connection = () =>
    new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let buffered: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        sentAt = performance.now();
        socket.write(request);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        for (;;) {
          const headerEnd = buffered.indexOf(HEADER_END);
          if (headerEnd < 0) return;
          const head = buffered.subarray(0, headerEnd).toString('latin1');
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!length || !head.startsWith('HTTP/1.1 200')) {
            errors++;
            socket.destroy();
            return;
          }
          const total = headerEnd + 4 + Number(length[1]);
          if (buffered.length < total) return;
          buffered = buffered.subarray(total);
          const now = performance.now();
          requests++;
          if (samples < latencies.length) latencies[samples++] = (now - sentAt) * 1000;
          if (now >= deadline) {
            socket.end();
            return;
          }
          send();
        }
      });
      socket.on('error', () => errors++);
      socket.on('close', () => resolve());
    });

  return Promise.all(Array.from({ length: connections }, connection)).then(() => ({
    requests,
    errors,
    seconds: (performance.now() - started) / 1000,
    latenciesUs: latencies.subarray(0, samples),
  }));
}

function ms(microseconds: number): string {
  return (microseconds / 1000).toFixed(3);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ---------- the run ----------

const build = buildProxy();
const backend = await startProcess(['-e', backendSource]);
const proxy = await startProcess([...build.argv, proxySource(build.entry, backend.port)]);
try {
  await new Promise((r) => setTimeout(r, 1000));
  const rssFresh = rssMb(proxy.child.pid!);
  const rows: string[] = [];
  for (const connections of CONNECTION_COUNTS) {
    const measured = new Map<string, { rps: number; p50: number; p99: number; errors: number; cpu: number }>();
    for (const [name, port] of [
      ['direct', backend.port],
      ['berth proxy', proxy.port],
    ] as const) {
      await runLoad(port, connections, WARMUP_MS, false);
      const cpuBefore = cpuUs(proxy.child.pid!);
      const result = await runLoad(port, connections, RUN_MS, true);
      const sorted = result.latenciesUs.slice().sort();
      measured.set(name, {
        rps: result.requests / result.seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        errors: result.errors,
        cpu: (cpuUs(proxy.child.pid!) - cpuBefore) / Math.max(1, result.requests),
      });
    }
    const direct = measured.get('direct')!;
    for (const [name, m] of measured) {
      const isDirect = name === 'direct';
      rows.push(
        `| ${name} | ${connections} | ${Math.round(m.rps).toLocaleString('en-US')} | ${ms(m.p50)} | ${ms(m.p99)} | ` +
          `${m.errors} | ${(m.rps / direct.rps).toFixed(2)} | ${isDirect ? '–' : Math.round(m.cpu)} |`,
      );
    }
    const proxied = measured.get('berth proxy')!;
    rows.push(
      `| *added by the proxy* | ${connections} | | +${ms(proxied.p50 - direct.p50)} | +${ms(proxied.p99 - direct.p99)} | | | |`,
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfter = rssMb(proxy.child.pid!);

  console.log(`\nBerth app proxy vs direct (node ${process.version}, keep-alive, ${RUN_MS / 1000} s runs, loopback)\n`);
  console.log('| target | connections | requests/s | p50 ms | p99 ms | errors | vs direct | proxy CPU µs/req |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(
    `\nProxy process RSS (${build.note}): ${rssFresh.toFixed(0)} MB fresh → ${rssAfter.toFixed(0)} MB after the load`,
  );
} finally {
  await stopProcess(proxy.child);
  await stopProcess(backend.child);
  rmSync(BUILD_DIR, { recursive: true, force: true });
}
