/** Starts `berth serve` as a real child process (one per test file) and reads its setup URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

/**
 * A free loopback port for a test server, taken BELOW the kernel's ephemeral range: a port the kernel hands
 * out for listen(0) is also one it hands out as the source port of outgoing connections, and with test files
 * running side by side (load loops, git, Docker) one of those took a daemon's port between the pick and the
 * bind (EADDRINUSE in a CI run). Checked by binding it; another pick when it is taken.
 */
const PORT_FLOOR = 15_000;

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const value = Number(low);
    return Number.isInteger(value) && value > PORT_FLOOR + 1000 ? value : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const ceiling = ephemeralLow();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PORT_FLOOR + Math.floor(Math.random() * (ceiling - PORT_FLOOR));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port between ${PORT_FLOOR} and ${ceiling}`);
}

export interface DaemonProcess {
  child: ChildProcess;
  baseUrl: string;
  dataDir: string;
  port: number;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  setupUrl: string | undefined;
  stop(): Promise<number | null>;
}

export async function startDaemonProcess(
  options: {
    env?: Record<string, string>;
    dataDir?: string;
    timeoutMs?: number;
    /** The host name of the public URL (default 127.0.0.1): `localhost` for WebAuthn, which refuses IP addresses. */
    publicHost?: string;
  } = {},
): Promise<DaemonProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-daemon-'));
  const port = await freePort();
  // The app proxy gets its own free loopback port, never the host's port 80.
  const proxyPort = await freePort();
  const baseUrl = `http://${options.publicHost ?? '127.0.0.1'}:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      BERTH_DATA_DIR: dataDir,
      BERTH_PANEL_PORT: String(port),
      BERTH_PANEL_HOST: '127.0.0.1',
      BERTH_PUBLIC_URL: baseUrl,
      BERTH_HTTP_PORT: String(proxyPort),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_HTTPS_PORT: String(await freePort()),
      BERTH_LOG_LEVEL: 'info',
      BERTH_SSH_PORT: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  // Generous: a start is not what these tests measure, and a loaded 2-core machine takes 20-30 s to start `berth serve`.
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!/berth panel listening/.test(output)) {
    if (child.exitCode !== null) throw new Error(`berth serve exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`berth serve did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // The setup URL is logged right after the listening line.
  await new Promise((r) => setTimeout(r, 200));
  const setupUrl = /"setupUrl":"([^"]+)"/.exec(output)?.[1];
  return {
    child,
    baseUrl,
    dataDir,
    port,
    output: () => output,
    setupUrl,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
