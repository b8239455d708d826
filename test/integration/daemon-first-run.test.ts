/**
 * What a newcomer sees on the first `berth serve`: without a Docker engine one line that says how to
 * get one (no stack trace), readable lines when asked for (or on a terminal), and the daemon's tuned
 * V8 flags however it is started. Real daemon processes through bin/berth.js.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/berth-test/docker.sock' };

/** The command line of a process and of its children, from /proc. */
function commandLines(pid: number): string[][] {
  const argv = (p: number) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return [argv(pid), ...children.map((c) => argv(Number(c)))];
}

/** The process that serves: the one whose argv runs bin/berth.js with the flag, else the spawned one. */
function daemonArgv(pid: number): string[] {
  const lines = commandLines(pid);
  return lines.find((argv) => argv.includes('--max-semi-space-size=2')) ?? lines[0]!;
}

describe('first run', () => {
  const daemons: DaemonProcess[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  it('without a Docker engine says so in one line with the fix, and prints no stack trace', async () => {
    const daemon = await startDaemonProcess({ env: NO_ENGINE });
    daemons.push(daemon);
    await new Promise((r) => setTimeout(r, 500));
    const output = daemon.output();
    const lines = output.split('\n').filter((l) => l.startsWith('{'));
    const fix = lines.filter((l) => /No Docker engine/.test(l));
    assert.equal(fix.length, 1, output);
    assert.match(fix[0]!, /docker\.io/);
    assert.doesNotMatch(output, /could not recover/);
    assert.doesNotMatch(output, /"stack"|"level":50/);
    // The panel still answers, and says the engine is missing.
    const health = (await (await fetch(`${daemon.baseUrl}/healthz`)).json()) as { docker: string };
    assert.equal(health.docker, 'unavailable');
  });

  it('gives the daemon the tuned V8 flags when started as `node bin/berth.js serve`', () => {
    const argv = daemonArgv(daemons[0]!.child.pid!);
    assert.ok(argv.includes('--max-semi-space-size=2'), argv.join(' '));
    assert.ok(argv.includes('serve'));
  });

  it('gives them to `bin/berth.js serve` run directly (its #! line), and logs readable lines when asked', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-first-run-'));
    const port = await freePort();
    const child = spawn(BIN, ['serve'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        ...NO_ENGINE,
        BERTH_DATA_DIR: dataDir,
        BERTH_PANEL_PORT: String(port),
        BERTH_PANEL_HOST: '127.0.0.1',
        BERTH_HTTP_PORT: String(await freePort()),
        BERTH_PROXY_HOST: '127.0.0.1',
        BERTH_HTTPS_PORT: String(await freePort()),
        BERTH_SSH_PORT: 'off',
        BERTH_LOG_FORMAT: 'pretty',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!/berth panel listening/.test(output)) {
        assert.ok(Date.now() < deadline && child.exitCode === null, output);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(commandLines(child.pid!)[0]!.includes('--max-semi-space-size=2'), commandLines(child.pid!).join('\n'));
      assert.match(output, /INFO.*berth panel listening/);
      assert.match(output, /WARN.*No Docker engine: .*docker\.io/);
      assert.doesNotMatch(output, /^\{"level"/m, 'no JSON lines');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
