/**
 * The Berth image, run the way the installer runs it: host network, the engine's socket mounted,
 * a host directory as the data volume. Builds the image offline with
 * `scripts/build-image.sh --local` (BuildKit cache: seconds when nothing changed) on top of the
 * local berth-test/node:20-slim made by scripts/test-env.sh. Docker is always driven with argv
 * arrays, never a shell string; only the container labelled with this run's id is removed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/daemon-process.js';
import { RUN_ID, TEST_IMAGES, TEST_RUN_LABEL, testDockerEndpoint } from '../helpers/docker-test-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_SCRIPT = join(ROOT, 'scripts', 'build-image.sh');
const IMAGE = 'berth-test/berth:test';
const BASE_IMAGE = TEST_IMAGES.node;
const CONTAINER = `berth-test-${RUN_ID}-daemon`;
const DOCKER = process.env.BERTH_TEST_DOCKER_CLI || 'docker';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command (argv array, no shell) to completion; SIGKILLed after timeoutMs. */
function run(command: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function docker(args: string[], timeoutMs?: number): Promise<RunResult> {
  return run(DOCKER, args, timeoutMs);
}

/** The last lines of a long output, for failure messages. */
function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

async function containerLogs(): Promise<string> {
  const logs = await docker(['logs', CONTAINER]);
  return logs.stdout + logs.stderr;
}

async function containerState(): Promise<{ Running: boolean; ExitCode: number; Status: string }> {
  const inspect = await docker(['inspect', '--format', '{{json .State}}', CONTAINER]);
  assert.equal(inspect.code, 0, inspect.stderr);
  return JSON.parse(inspect.stdout) as { Running: boolean; ExitCode: number; Status: string };
}

describe('the Berth image, run like the installer runs it', { timeout: 170_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-container-'));
  let port: number;
  let baseUrl: string;
  let started = false;

  before(
    async () => {
      const base = await docker(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE]);
      if (base.code !== 0) {
        assert.fail(
          `the local base image ${BASE_IMAGE} is missing (${base.stderr.trim()}); ` +
            'run scripts/test-env.sh to build it (Docker Hub is not used by the tests)',
        );
      }

      const t0 = Date.now();
      const build = await run('bash', [BUILD_SCRIPT, '--local', IMAGE], 160_000);
      assert.equal(
        build.code,
        0,
        `scripts/build-image.sh --local ${IMAGE} failed:\n${tail(build.stdout + build.stderr)}`,
      );
      process.stdout.write(`built ${IMAGE} in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);

      port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      // The engine the daemon inside should drive: the same one the tests use.
      const endpoint = testDockerEndpoint();
      const engine =
        endpoint.kind === 'socket'
          ? ['-v', `${endpoint.socketPath}:/var/run/docker.sock`]
          : ['-e', `DOCKER_HOST=tcp://${endpoint.host}:${endpoint.port}`];
      const runArgs = [
        'run',
        '-d',
        '--name',
        CONTAINER,
        '--label',
        `${TEST_RUN_LABEL}=${RUN_ID}`,
        '--network',
        'host',
        ...engine,
        '-v',
        `${dataDir}:/var/lib/berth`,
        '-e',
        `BERTH_PANEL_PORT=${port}`,
        '-e',
        'BERTH_PANEL_HOST=127.0.0.1',
        // Host network: keep the app proxy off the host's real 80/443 (the installer uses those).
        '-e',
        `BERTH_HTTP_PORT=${await freePort()}`,
        '-e',
        `BERTH_HTTPS_PORT=${await freePort()}`,
        IMAGE,
      ];
      const launched = await docker(runArgs);
      assert.equal(launched.code, 0, `docker run failed:\n${launched.stderr}`);
      started = true;
    },
    { timeout: 165_000 },
  );

  after(async () => {
    if (started) {
      const removed = await docker(['rm', '-f', '-v', CONTAINER]);
      assert.equal(removed.code, 0, removed.stderr);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz and reaches the engine through the mounted socket', async () => {
    const deadline = Date.now() + 30_000;
    let last: string;
    for (;;) {
      const state = await containerState();
      if (!state.Running)
        assert.fail(`the container stopped (${state.Status}, exit ${state.ExitCode}):\n${await containerLogs()}`);
      try {
        const res = await fetch(`${baseUrl}/healthz`);
        const body = (await res.json()) as { status: string; docker: string };
        last = `${res.status} ${JSON.stringify(body)}`;
        if (res.status === 200 && body.status === 'ok' && body.docker === 'available') break;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline)
        assert.fail(`/healthz never reported docker available (last: ${last}):\n${await containerLogs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  it('logs a setup URL that serves the claim page', async () => {
    const logs = await containerLogs();
    assert.match(logs, /"msg":"berth panel listening"/);
    const logged = /"setupUrl":"([^"]+)"/.exec(logs)?.[1];
    assert.ok(logged, `no setupUrl in docker logs:\n${logs}`);
    // BERTH_PUBLIC_URL is not set, so the link names localhost; ask the address we listen on.
    const { pathname, search } = new URL(logged);
    assert.equal(pathname, '/setup');
    const res = await fetch(`${baseUrl}${pathname}${search}`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Claim this Berth/);
  });

  it('keeps its state in the mounted data dir on the host', () => {
    assert.ok(existsSync(join(dataDir, 'berth.db')), `berth.db is not in ${dataDir}`);
    assert.ok(existsSync(join(dataDir, 'berth.lock')), `berth.lock is not in ${dataDir}`);
  });

  it("passes the image's own HEALTHCHECK", async () => {
    const inspect = await docker(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', CONTAINER]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const test = JSON.parse(inspect.stdout) as string[];
    assert.equal(test[0], 'CMD', `HEALTHCHECK should be exec form, got ${inspect.stdout}`);
    const check = await docker(['exec', CONTAINER, ...test.slice(1)]);
    assert.equal(check.code, 0, `healthcheck failed:\n${check.stdout}${check.stderr}`);
  });

  it('carries the git and ssh tools that git-source deploys and git push need', async () => {
    // Without them a containerised Berth could not clone a source or serve `git push`.
    const git = await docker(['exec', CONTAINER, 'git', 'version']);
    assert.equal(git.code, 0, `git is missing in the image: ${git.stderr}`);
    const backend = await docker(['exec', CONTAINER, 'sh', '-c', 'test -x "$(git --exec-path)/git-http-backend"']);
    assert.equal(backend.code, 0, 'git http-backend is missing in the image');
    const ssh = await docker(['exec', CONTAINER, 'ssh', '-V']);
    assert.equal(ssh.code, 0, `ssh is missing in the image: ${ssh.stderr}`);
  });

  it('shuts down cleanly on docker stop', async () => {
    const stop = await docker(['stop', '--time', '10', CONTAINER], 20_000);
    assert.equal(stop.code, 0, stop.stderr);
    const state = await containerState();
    assert.equal(state.Running, false);
    assert.equal(state.ExitCode, 0, `exit code ${state.ExitCode}:\n${tail(await containerLogs())}`);
    assert.match(await containerLogs(), /shutting down/);
  });
});
