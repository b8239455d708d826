/**
 * `berth serve` as a real host process (bin/berth.js): start-up, the data-dir lock, graceful
 * shutdown, config errors, and the token CLI working beside a running daemon.
 * Every command is spawned with an argv array (never a shell).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment a daemon or CLI command gets: nothing of ours leaks in but PATH, HOME and DOCKER_HOST. */
function cliEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    BERTH_DATA_DIR: dataDir,
    BERTH_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Runs `berth <args>` to completion (killed after timeoutMs). */
function runBerth(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function describeRun(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function healthz(baseUrl: string): Promise<{ status: string; version: string; docker: string }> {
  const res = await fetch(`${baseUrl}/healthz`);
  assert.equal(res.status, 200);
  return (await res.json()) as { status: string; version: string; docker: string };
}

function waitForExit(
  daemon: DaemonProcess,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = daemon;
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`daemon still running ${timeoutMs} ms after SIGTERM:\n${daemon.output()}`)),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe('berth serve as a host process', { timeout: 90_000 }, () => {
  let daemon: DaemonProcess;

  before(async () => {
    daemon = await startDaemonProcess();
  });
  after(async () => {
    await daemon?.stop();
  });

  it('starts, answers /healthz and prints the setup URL', async () => {
    const health = await healthz(daemon.baseUrl);
    assert.equal(health.status, 'ok');
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.ok(['available', 'unavailable'].includes(health.docker), `docker: ${health.docker}`);

    assert.ok(daemon.setupUrl, `no setupUrl in the output:\n${daemon.output()}`);
    const setup = new URL(daemon.setupUrl);
    assert.equal(setup.origin, daemon.baseUrl);
    assert.equal(setup.pathname, '/setup');
    assert.match(setup.searchParams.get('token') ?? '', /^\S{16,}$/);
    assert.match(daemon.output(), /"msg":"berth panel listening"/);
    assert.ok(existsSync(join(daemon.dataDir, 'berth.db')), 'berth.db is created in the data dir');
  });

  it('refuses a second daemon on the same data dir and keeps the first one serving', async () => {
    const port = await freePort();
    const second = await runBerth(
      ['serve'],
      cliEnv(daemon.dataDir, { BERTH_PANEL_PORT: String(port), BERTH_PANEL_HOST: '127.0.0.1' }),
    );
    assert.notEqual(second.code, 0, describeRun(second));
    assert.equal(second.signal, null, describeRun(second));
    assert.match(second.stdout + second.stderr, /already running/, describeRun(second));
    // It never got as far as listening.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));

    assert.equal(daemon.child.exitCode, null, 'the first daemon is still running');
    assert.equal((await healthz(daemon.baseUrl)).status, 'ok');
  });

  it('rejects a bad setting with one line naming the variable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-badcfg-'));
    try {
      const result = await runBerth(['serve'], cliEnv(dataDir, { BERTH_PANEL_PORT: '99999' }));
      assert.notEqual(result.code, 0, describeRun(result));
      assert.equal(result.signal, null, describeRun(result));
      const lines = (result.stdout + result.stderr).split('\n').filter((line) => line.trim() !== '');
      assert.equal(lines.length, 1, `expected exactly one line of output:\n${describeRun(result)}`);
      assert.match(lines[0]!, /BERTH_PANEL_PORT/);
      assert.match(lines[0]!, /99999/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('creates an admin and an API token from the CLI beside the running daemon, and revokes it', async () => {
    const env = cliEnv(daemon.dataDir);
    const email = 'a@example.com';

    const admin = await runBerth(['admin', 'create', '--email', email, '--password', 'tw3lve-chars'], env);
    assert.equal(admin.code, 0, describeRun(admin));

    const created = await runBerth(['token', 'create', '--name', 'ci'], env);
    assert.equal(created.code, 0, describeRun(created));
    const lines = created.stdout.split('\n').filter((line) => line !== '');
    const token = lines.at(-1) ?? '';
    // The last line is the token alone: no label, no spaces, no quotes.
    assert.match(token, /^[A-Za-z0-9_-]{20,}$/, describeRun(created));
    assert.ok(lines.length >= 2, 'a human-readable line precedes the token');

    const me = await fetch(`${daemon.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, await me.clone().text());
    const body = (await me.json()) as { user: { email: string }; token: { name: string } };
    assert.equal(body.user.email, email);
    assert.equal(body.token.name, 'ci');

    const revoked = await runBerth(['token', 'revoke', 'ci'], env);
    assert.equal(revoked.code, 0, describeRun(revoked));

    const afterRevoke = await fetch(`${daemon.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(afterRevoke.status, 401, await afterRevoke.clone().text());
  });
});

describe('berth serve shutdown', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-restart-'));
  let first: DaemonProcess | undefined;
  let second: DaemonProcess | undefined;

  after(async () => {
    await first?.stop();
    await second?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 on SIGTERM within a few seconds and releases the lock for a restart', async () => {
    first = await startDaemonProcess({ dataDir });
    assert.equal((await healthz(first.baseUrl)).status, 'ok');

    const started = Date.now();
    first.child.kill('SIGTERM');
    const exit = await waitForExit(first, 5_000);
    const elapsed = Date.now() - started;
    assert.deepEqual(exit, { code: 0, signal: null }, first.output());
    assert.ok(elapsed < 5_000, `shutdown took ${elapsed} ms`);
    assert.match(first.output(), /shutting down/);
    await assert.rejects(fetch(`${first.baseUrl}/healthz`), 'the port is closed after shutdown');

    // Same data dir: the lock was released, so a new daemon starts and serves.
    second = await startDaemonProcess({ dataDir });
    assert.equal((await healthz(second.baseUrl)).status, 'ok');
    assert.doesNotMatch(second.output(), /already running/);
  });
});
