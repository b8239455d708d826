/**
 * A standalone proxy process tree (bin/berth-proxy.js, BERTH_PROXY_MODE=process) for tests that talk to
 * the proxy alone: its own data dir and ports, routes pushed over the real control channel (hello with
 * the token, then a snapshot), in-flight counts summed over every worker by the `drained` query.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../../src/proxy/process/control-client.js';
import type { ProxyState } from '../../src/proxy/process/control-protocol.js';
import { freePort } from './daemon-process.js';

const PROXY_BIN = fileURLToPath(new URL('../../bin/berth-proxy.js', import.meta.url));

export interface ProxyTree {
  httpPort: number;
  httpsPort: number;
  /** In-flight requests on the upstreams, summed over every worker. */
  inflight(upstreamIds: string[]): Promise<number>;
  /** The pids of the serving workers (the supervisor's `status`), sorted. */
  workerPids(): Promise<number[]>;
  /** Asks for a worker handover (the control channel's `upgrade`); answered at once. */
  upgrade(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the tree with `env` (BERTH_PROXY_* settings) and pushes `state`; resolves once it answers. */
export async function startProxyTree(
  state: ProxyState,
  env: Record<string, string>,
  isServing: (tree: ProxyTree) => Promise<boolean>,
): Promise<ProxyTree> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-proxy-tree-'));
  const httpPort = await freePort();
  const httpsPort = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [PROXY_BIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      BERTH_DATA_DIR: dataDir,
      BERTH_HTTP_PORT: String(httpPort),
      BERTH_HTTPS_PORT: String(httpsPort),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_PROXY_MODE: 'process',
      BERTH_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const files = { socket: join(dataDir, 'proxy', 'control.sock'), token: join(dataDir, 'proxy', 'control.token') };
  let client: ControlClient | undefined;
  const tree: ProxyTree = {
    httpPort,
    httpsPort,
    async inflight(upstreamIds) {
      return Number((await client!.request({ type: 'drained', upstreamIds })).inflight);
    },
    async workerPids() {
      const status = await client!.request({ type: 'status' });
      return (status.workerPids as number[]).slice().sort((a, b) => a - b);
    },
    async upgrade() {
      await client!.request({ type: 'upgrade' });
    },
    output: () => output,
    async stop() {
      client?.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await until(
      async () => {
        client = await ControlClient.open(files.socket, readFileSync(files.token, 'utf8').trim());
        return true;
      },
      60_000,
      `the proxy's control socket (${output})`,
    );
    await client!.request({ type: 'snapshot', state });
    await until(() => isServing(tree), 60_000, 'the proxy workers to serve');
  } catch (error) {
    await tree.stop();
    throw error;
  }
  return tree;
}
