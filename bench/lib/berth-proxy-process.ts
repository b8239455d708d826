/**
 * Berth's real AppProxy + RouteTable in a process of its own, listening on HTTP and, through attach(),
 * on HTTPS with the benchmark's certificate (as the daemon's HTTPS listener does). The proxy's modules
 * are compiled with tsc first so its CPU and RSS are not inflated by the TypeScript loader.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startServer, type Certificate, type RunningServer } from './proxy-peers.js';

/** As in package.json's start script and the Dockerfile's ENTRYPOINT: a small young generation. */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=2'];
const BUILD_DIR = join('node_modules', '.cache', 'berth-bench-proxy');
/**
 * The request accounting the daemon runs with (HTTP metrics + request log into SQLite), when the revision
 * has it: a revision without it (e.g. a --baseline from before it) runs the bare proxy.
 */
export const TRAFFIC_SOURCES = ['src/traffic/traffic.service.ts', 'src/db/connection.ts', 'src/db/migrate.ts'];

export interface BerthBuild {
  /** Directory holding proxy/proxy-server.js and friends. */
  entry: string;
  /** Node flags that run the entry script. */
  argv: string[];
  note: string;
}

/** Compiles the proxy's module graph with tsc; falls back to running the sources through tsx. */
export function buildBerthProxy(): BerthBuild {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '--ignoreConfig',
      ...['--outDir', BUILD_DIR, '--rootDir', 'src', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
      ...['--target', 'ES2022', '--esModuleInterop', '--skipLibCheck', '--types', 'node'],
      ...['src/proxy/proxy-server.ts', 'src/proxy/route-table.ts', 'src/logger.ts'],
      ...TRAFFIC_SOURCES.filter((file) => existsSync(file)),
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

export function removeBerthBuild(): void {
  rmSync(BUILD_DIR, { recursive: true, force: true });
}

export async function startBerthProxy(options: {
  build: BerthBuild;
  hostname: string;
  backendPort: number;
  cert: Certificate;
  name?: string;
  /** Extra AppProxy settings, as JSON-able overrides. */
  settings?: Record<string, unknown>;
  /** False runs the proxy without the request accounting (HTTP metrics, request log) even if built. */
  accounting?: boolean;
  /** False keeps the HTTP metrics but writes no request log. */
  requestLog?: boolean;
  /** V8 flags; by default the ones `npm start` and the Docker image run the daemon with. */
  nodeFlags?: string[];
}): Promise<RunningServer> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const module = (name: string) => JSON.stringify(join(options.build.entry, name));
  const source = `
const { readFileSync } = await import('node:fs');
const { createServer } = await import('node:https');
const { AppProxy } = await import(${module('proxy/proxy-server.js')});
const { RouteTable } = await import(${module('proxy/route-table.js')});
const { createLogger } = await import(${module('logger.js')});
const routes = new RouteTable();
routes.setRoute([${JSON.stringify(options.hostname)}], 'svc_bench', [{ id: 'backend', host: '127.0.0.1', port: ${options.backendPort} }]);
const { existsSync, mkdtempSync } = await import('node:fs');
let observer;
if (${options.accounting !== false} && existsSync(${module('traffic/traffic.service.js')})) {
  // As in the daemon: accounting on, metrics and the request log written to a real SQLite file.
  const { openDatabase } = await import(${module('db/connection.js')});
  const { migrateToLatest } = await import(${module('db/migrate.js')});
  const { TrafficFeature } = await import(${module('traffic/traffic.service.js')});
  const dir = mkdtempSync((await import('node:os')).tmpdir() + '/berth-bench-traffic-');
  const { db } = openDatabase(dir + '/berth.db');
  await migrateToLatest(db);
  await db.insertInto('projects').values({ id: 'prj_bench', name: 'bench' }).execute();
  await db.insertInto('environments').values({ id: 'env_bench', project_id: 'prj_bench', name: 'production' }).execute();
  await db.insertInto('services').values({ id: 'svc_bench', project_id: 'prj_bench', environment_id: 'env_bench', name: 'bench', kind: 'app', source: '{}' }).execute();
  const traffic = new TrafficFeature(db, createLogger('warn'), ${options.requestLog === false ? '{ logBufferEntries: 0 }' : '{}'});
  traffic.start();
  observer = traffic.observer;
}
const proxy = new AppProxy(routes, { logger: createLogger('warn'), settings: ${JSON.stringify(options.settings ?? {})}, observer });
await proxy.listenHttp(${httpPort}, '127.0.0.1');
const tls = { cert: readFileSync(${JSON.stringify(options.cert.certFile)}), key: readFileSync(${JSON.stringify(options.cert.keyFile)}) };
// As the daemon's HTTPS listener: HTTP/2 with HTTP/1.1 on the same port when the revision has it and
// the http2 setting is on, else an HTTP/1.1-only https server.
let https;
if (proxy.settings.http2 === true && existsSync(${module('proxy/http2-support.js')})) {
  const { createSecureServer } = await import('node:http2');
  const { http2ServerOptions } = await import(${module('proxy/http2-support.js')});
  https = createSecureServer({ ...tls, ...http2ServerOptions(proxy.settings), ALPNProtocols: ['h2', 'http/1.1'] });
} else {
  https = createServer({ ...tls, ...proxy.serverOptions() });
}
proxy.attach(https);
https.listen(${httpsPort}, '127.0.0.1');
process.on('SIGTERM', () => proxy.close().then(() => process.exit(0)));
`;
  return startServer({
    name: options.name ?? 'berth',
    command: process.execPath,
    argv: [...(options.nodeFlags ?? DAEMON_NODE_FLAGS), ...options.build.argv, source],
    httpPort,
    httpsPort,
  });
}

/**
 * The floor for any proxy written on node:http: no routing, no header rewriting, no error pages, the
 * same kind of keep-alive agent. Shows how much of Berth's cost is Node's HTTP stack itself.
 */
export async function startNodeFloorProxy(options: { backendPort: number; cert: Certificate }): Promise<RunningServer> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const source = `
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });
const handle = (req, res) => {
  const upstream = http.request({ host: '127.0.0.1', port: ${options.backendPort}, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => { res.statusCode = 502; res.end(); });
  req.pipe(upstream);
};
http.createServer(handle).listen(${httpPort}, '127.0.0.1');
https.createServer({ cert: fs.readFileSync(${JSON.stringify(options.cert.certFile)}), key: fs.readFileSync(${JSON.stringify(options.cert.keyFile)}) }, handle).listen(${httpsPort}, '127.0.0.1');
`;
  return startServer({
    name: 'node:http floor',
    command: process.execPath,
    argv: [...DAEMON_NODE_FLAGS, '-e', source],
    httpPort,
    httpsPort,
  });
}
