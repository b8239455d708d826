/**
 * Driving scripts/install.sh from tests and benchmarks: isolated installs (own container name, temp data
 * dir, free loopback ports, this run's test label), the images the upgrade scenarios need (built FROM
 * the installed image, labelled), and a bounded probe that counts failed requests through the proxy.
 * Commands run as argv arrays, never through a shell string.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './daemon-process.js';
import { RUN_ID, TEST_IMAGES, TEST_RUN_LABEL } from './docker-test-env.js';
import { get } from './load.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const INSTALLER = join(ROOT, 'scripts', 'install.sh');
export const IMAGE = 'berth-test/berth:installer';
export const V2_IMAGE = `berth-test/berth:${RUN_ID}-v2`;
export const V2_VERSION = '0.1.1-upgrade-test';
export const BAD_IMAGE = `berth-test/berth:${RUN_ID}-bad`;
export const APP_IMAGE = `berth-test/install-app:${RUN_ID}`;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], timeoutMs = 60_000, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const docker = (args: string[], timeoutMs?: number) => run('docker', args, timeoutMs);
export const tail = (text: string, lines = 40) => text.split('\n').slice(-lines).join('\n');

/** A locally built image FROM the installed Berth image, labelled for cleanup; `files` go into its context. */
export async function buildDerived(
  tag: string,
  dockerfileLines: string[],
  files: Record<string, string> = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-derived-'));
  try {
    writeFileSync(
      join(dir, 'Dockerfile'),
      [`FROM ${IMAGE}`, `LABEL ${TEST_RUN_LABEL}=${RUN_ID}`, ...dockerfileLines].join('\n'),
    );
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const built = await run('env', ['DOCKER_BUILDKIT=1', '/usr/bin/docker', 'build', '-q', '-t', tag, dir], 60_000);
    assert.equal(built.code, 0, `building ${tag} failed:\n${built.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Marks the database the way a new version's migration would, so a rollback must undo it. */
export const BAD_RELEASE_MARKER = 'upgrade_test_migrated';
const BAD_RELEASE_ENTRYPOINT = `// A release whose migration changes the schema and whose daemon then dies at start.
const Database = require('/app/node_modules/better-sqlite3');
const db = new Database('/var/lib/berth/berth.db');
db.exec('CREATE TABLE IF NOT EXISTS ${BAD_RELEASE_MARKER} (at TEXT)');
db.close();
console.error('simulated: database migration 0099 failed');
process.exit(3);
`;

/** The second release, the broken release, and the fixture app: built FROM the installed image. */
export async function buildTestImages(): Promise<void> {
  await buildDerived(V2_IMAGE, [
    // The same code reporting another version, as a release would.
    `RUN node -e "const fs=require('fs');const p=JSON.parse(fs.readFileSync('/app/package.json'));p.version='${V2_VERSION}';fs.writeFileSync('/app/package.json',JSON.stringify(p))"`,
  ]);
  await buildDerived(BAD_IMAGE, ['COPY bad-release.cjs /bad-release.cjs', 'ENTRYPOINT ["node", "/bad-release.cjs"]'], {
    'bad-release.cjs': BAD_RELEASE_ENTRYPOINT,
  });
  const app = await run(
    'env',
    [
      'DOCKER_BUILDKIT=1',
      '/usr/bin/docker',
      'build',
      '-q',
      '--build-arg',
      `BASE_IMAGE=${TEST_IMAGES.node}`,
      '--label',
      `${TEST_RUN_LABEL}=${RUN_ID}`,
      '-t',
      APP_IMAGE,
      join(ROOT, 'test', 'fixtures', 'apps', 'dockerfile-app'),
    ],
    60_000,
  );
  assert.equal(app.code, 0, app.stderr);
}

export interface Install {
  name: string;
  dataDir: string;
  panel: number;
  http: number;
  https: number;
  ssh: number;
  baseUrl: string;
}

export async function newInstall(name: string): Promise<Install> {
  const panel = await freePort();
  return {
    name,
    dataDir: mkdtempSync(join(tmpdir(), 'berth-install-')),
    panel,
    http: await freePort(),
    https: await freePort(),
    ssh: await freePort(),
    baseUrl: `http://127.0.0.1:${panel}`,
  };
}

export function installer(target: Install, extra: string[], timeoutMs = 120_000): Promise<RunResult> {
  return run(
    'sh',
    [
      INSTALLER,
      '--name',
      target.name,
      '--data-dir',
      target.dataDir,
      '--panel-port',
      String(target.panel),
      '--http-port',
      String(target.http),
      '--https-port',
      String(target.https),
      '--ssh-port',
      String(target.ssh),
      '--public-url',
      target.baseUrl,
      '--label',
      `${TEST_RUN_LABEL}=${RUN_ID}`,
      // Loopback only: this machine is shared, and the test never needs more.
      '--env',
      'BERTH_PANEL_HOST=127.0.0.1',
      '--env',
      'BERTH_PROXY_HOST=127.0.0.1',
      '--health-timeout',
      '60',
      ...extra,
    ],
    timeoutMs,
  );
}

export async function health(target: Install): Promise<{ status: string; version: string } | undefined> {
  try {
    const res = await fetch(`${target.baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as { status: string; version: string };
  } catch {
    return undefined;
  }
}

/** Requests through the proxy every 25 ms until stopped (at most 3 minutes): failures and the longest gap. */
export function probeApp(port: number, host: string) {
  let stopped = false;
  let ok = 0;
  let failed = 0;
  let gapStart: number | undefined;
  let longestGapMs = 0;
  const done = (async () => {
    const deadline = Date.now() + 180_000;
    while (!stopped && Date.now() < deadline) {
      const t = Date.now();
      const res = await get(port, host, '/healthz').catch(() => ({ status: 0, body: '' }));
      if (res.status === 200) {
        ok++;
        if (gapStart !== undefined) longestGapMs = Math.max(longestGapMs, t - gapStart);
        gapStart = undefined;
      } else {
        failed++;
        gapStart ??= t;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { ok, failed, longestGapMs };
    },
  };
}
