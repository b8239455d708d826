/**
 * Berth's real AppProxy + RouteTable in a process of its own, listening on HTTP and, through attach(),
 * on HTTPS with the benchmark's certificate (as the daemon's HTTPS listener does). The proxy's modules
 * are compiled with tsc first so its CPU and RSS are not inflated by the TypeScript loader.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startServer, type Certificate, type RunningServer } from './proxy-peers.js';

const BUILD_DIR = join('node_modules', '.cache', 'berth-bench-proxy');

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
const proxy = new AppProxy(routes, { logger: createLogger('warn'), settings: ${JSON.stringify(options.settings ?? {})} });
await proxy.listenHttp(${httpPort}, '127.0.0.1');
const tls = { cert: readFileSync(${JSON.stringify(options.cert.certFile)}), key: readFileSync(${JSON.stringify(options.cert.keyFile)}) };
const https = createServer({ ...tls, ...proxy.serverOptions() });
proxy.attach(https);
https.listen(${httpsPort}, '127.0.0.1');
process.on('SIGTERM', () => proxy.close().then(() => process.exit(0)));
`;
  return startServer({
    name: options.name ?? 'berth',
    command: process.execPath,
    argv: [...options.build.argv, source],
    httpPort,
    httpsPort,
  });
}
