/**
 * Berth's proxy as its own process tree (bin/berth-proxy.js: supervisor + N cluster workers, the mode
 * BERTH_PROXY_MODE=process runs), fed one route over its control socket as the daemon would. Runs the
 * TypeScript sources through tsx, as a checkout's daemon starts it (load time only; the hot path is the same).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient } from '../../src/proxy/process/control-client.js';
import { proxyFiles, readToken } from '../../src/proxy/process/proxy-files.js';
import { freePort, startServer, type RunningServer } from './proxy-peers.js';

export async function startBerthProxyTree(options: {
  workers: number;
  hostname: string;
  backendPort: number;
  balance?: 'kernel' | 'round-robin';
  name?: string;
}): Promise<RunningServer> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-tree-'));
  const server = await startServer({
    name: options.name ?? `berth process ${options.workers}w`,
    command: process.execPath,
    argv: ['bin/berth-proxy.js'],
    httpPort,
    httpsPort,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BERTH_DATA_DIR: dataDir,
      BERTH_HTTP_PORT: String(httpPort),
      BERTH_HTTPS_PORT: String(httpsPort),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_PROXY_WORKERS: String(options.workers),
      BERTH_PROXY_BALANCE: options.balance ?? 'kernel',
      BERTH_LOG_LEVEL: 'warn',
    },
  });
  const files = proxyFiles(dataDir);
  const client = await ControlClient.open(files.socket, readToken(files));
  await client.request({
    type: 'route.set',
    route: {
      serviceId: 'svc_bench',
      hostnames: [options.hostname],
      upstreams: [{ id: 'backend', host: '127.0.0.1', port: options.backendPort }],
      fallback: [],
    },
  });
  client.close();
  return server;
}
