/**
 * The published-image path of Berth's own image: scripts/build-image.sh without --local, so the
 * Dockerfile runs `npm ci` against the registry inside the build, trusting the host's CA bundle
 * through BERTH_BUILD_CA_FILE (containers here reach the registry only that way, as behind a
 * TLS-inspecting proxy). The offline path is covered by daemon-container.test.ts and installer.test.ts.
 *
 * Here the prebuilt binaries of better-sqlite3 and bcrypt (downloaded from their project sites, not
 * the registry) are out of reach, as they often are behind a corporate firewall, so the Dockerfile's
 * fallback builds them from source with the apt toolchain and the base image's Node headers. The
 * local test image has no headers, so the base is that image plus the host's headers, laid out as in
 * the official node images (/usr/local/include/node).
 * Needs the registry and the apt mirror; slow (npm ci, a native build, tsc), bounded by the timeouts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RUN_ID, TEST_IMAGES } from '../helpers/docker-test-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = `berth-test/berth-registry:${RUN_ID}`;
// Kept between runs, like scripts/test-env.sh's images: one per Node version, so the build's cached
// `npm ci` and native-module layers (keyed on this base) are reused while the lockfile is unchanged.
const BASE_IMAGE = `berth-test/node-headers:${process.version.replace(/^v/, '')}`;
const HOST_NODE_HEADERS = '/usr/include/node';
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command (argv array, no shell) to completion; SIGKILLed after timeoutMs. */
function run(command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const tail = (text: string, lines = 40): string => text.split('\n').slice(-lines).join('\n');

describe(
  "Berth's image built the published way (npm ci from the registry) with a build CA",
  { timeout: 900_000 },
  () => {
    before(async () => {
      assert.ok(existsSync(join(HOST_NODE_HEADERS, 'common.gypi')), `no Node headers in ${HOST_NODE_HEADERS}`);
      const present = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE], {}, 30_000);
      if (present.code === 0) return;
      const context = mkdtempSync(join(tmpdir(), 'berth-node-headers-'));
      try {
        cpSync(HOST_NODE_HEADERS, join(context, 'node'), { recursive: true });
        writeFileSync(join(context, 'Dockerfile'), `FROM ${TEST_IMAGES.node}\nCOPY node /usr/local/include/node\n`);
        const base = await run('docker', ['build', '-q', '-t', BASE_IMAGE, context], {}, 120_000);
        assert.equal(base.code, 0, base.output);
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    });
    after(async () => {
      await run('docker', ['image', 'rm', '-f', IMAGE], {}, 60_000);
    });

    it('builds with npm ci trusting BERTH_BUILD_CA_FILE, leaves no CA copy behind, and the image runs', async () => {
      const build = await run(
        'bash',
        [join(ROOT, 'scripts', 'build-image.sh'), IMAGE],
        { BERTH_BUILD_CA_FILE: HOST_CA_BUNDLE, BASE_IMAGE },
        840_000,
      );
      assert.equal(build.code, 0, `scripts/build-image.sh ${IMAGE} failed:\n${tail(build.output)}`);
      assert.match(build.output, /npm ci will trust the CA bundle/);
      assert.ok(!existsSync(join(ROOT, '.berth-build-ca.pem')), 'the CA copy was left in the checkout');

      const version = await run('docker', ['run', '--rm', IMAGE, 'version'], {}, 60_000);
      assert.equal(version.code, 0, version.output);
      assert.match(version.output, /\d+\.\d+\.\d+/);
      // The native modules, built from source in the deps stage, load in the image.
      const natives = await run(
        'docker',
        [
          'run',
          '--rm',
          '--entrypoint',
          'node',
          IMAGE,
          '-e',
          "const db = new (require('better-sqlite3'))(':memory:'); require('bcrypt').hashSync('x', 4); " +
            "console.log('native modules ok', db.prepare('select 1 as x').get().x)",
        ],
        {},
        60_000,
      );
      assert.equal(natives.code, 0, natives.output);
      assert.match(natives.output, /native modules ok 1/);
      // The CA stayed in the discarded deps stage.
      const leftover = await run('docker', ['run', '--rm', '--entrypoint', 'ls', IMAGE, '-a', '/app'], {}, 60_000);
      assert.doesNotMatch(leftover.output, /berth-build-ca/);
    });
  },
);
