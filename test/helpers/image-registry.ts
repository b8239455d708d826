/**
 * A real image registry for tests: Debian's `docker-registry` (the distribution registry) on a loopback
 * port with its storage in a temporary directory, optionally behind htpasswd credentials. The engine
 * talks to 127.0.0.0/8 registries over plain HTTP by default, so no certificate is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/passwords.js';
import { freePort } from './daemon-process.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** GET against the registry's HTTP API (with the credentials when it has some). */
  get(path: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestRegistry(credentials?: { username: string; password: string }): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = credentials ? `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(dir, 'htpasswd')}\n` : '';
  if (credentials)
    writeFileSync(join(dir, 'htpasswd'), `${credentials.username}:${await hashPassword(credentials.password)}\n`);
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n` +
      `http:\n  addr: ${host}\n${auth}`,
  );
  let child: ChildProcess | undefined;
  const authHeader = credentials
    ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` }
    : undefined;
  const get = async (path: string) => {
    const response = await fetch(`http://${host}${path}`, { headers: authHeader });
    return { status: response.status, body: await response.text() };
  };
  const start = async () => {
    child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await fetch(`http://${host}/v2/`)).status > 0) return;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the test registry did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    host,
    get,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
