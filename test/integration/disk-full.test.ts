/**
 * The data dir's disk fills up (a small tmpfs mounted for this test, never the machine's own disk):
 * reads keep working, writes answer 507 "disk full" in words (never 500 "Something went wrong"), and a
 * deploy checks free space first and names ENOSPC in its reason, and `berth backup` to another disk works
 * (it streams the data dir into the archive instead of copying it first).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

/** Writes zeros to `file` until the disk refuses (ENOSPC). */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Runs the `berth` CLI on the test's data dir; resolves with its exit code and output. */
function berth(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', BERTH_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('a full disk under the data dir', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-diskfull-'));
  const mount = join(root, 'disk');
  const filler = join(mount, 'filler');
  let isMounted = false;
  let h: Harness;
  const dataDir = join(mount, 'data');

  before(async () => {
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
    isMounted = true;
    h = await startHarness({ BERTH_DATA_DIR: dataDir });
  });
  after(async () => {
    rmSync(filler, { force: true });
    await h?.close();
    if (isMounted) execFileSync('umount', [mount]);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a deploy up front, naming the free space and ENOSPC', async () => {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'diskfull' });
    assert.equal(project.status, 201);
    const service = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
      name: 'web',
      source: { type: 'image', image: TEST_IMAGES.busybox },
      port: 8080,
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    const created = await h.api<{ id: string }>('POST', `/services/${service.body.id}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await h.waitForDeployment(created.body.id, 60_000);
    assert.equal(deployment.status, 'failed');
    assert.match(String(deployment.error), /Not enough free disk space for a deployment \(ENOSPC\): \d+ MB free/);
  });

  it('keeps reads working and answers writes 507 "disk full" once the disk is full', async () => {
    fillDisk(filler);
    assert.equal((await h.api('GET', '/me')).status, 200);
    assert.equal((await h.api('GET', '/projects')).status, 200);
    // SQLite may still have room in pages it already owns: write until the disk shows.
    let refused: { status: number; body: { error?: { code: string; message: string } } } | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const write = await h.api<{ error?: { code: string; message: string } }>('POST', '/projects', {
        name: `full-${i}-${'x'.repeat(40)}`,
      });
      if (write.status !== 201) refused = write;
    }
    assert.ok(refused, 'every write succeeded on a full disk');
    assert.equal(refused.status, 507, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, 'DISK_FULL');
    assert.match(refused.body.error!.message, /disk .* is full \(ENOSPC\)/);
    assert.equal((await h.api('GET', '/projects')).status, 200, 'reads still work');

    // `berth backup` to another disk needs no room on the full one; to the full disk it says so in words.
    writeFileSync(join(root, 'passphrase'), 'a passphrase long enough\n');
    const elsewhere = await berth(
      ['backup', '--passphrase-file', join(root, 'passphrase'), '--out', join(root, 'b.berth')],
      dataDir,
    );
    assert.equal(elsewhere.code, 0, elsewhere.output);
    assert.ok(statSync(join(root, 'b.berth')).size > 0);
    const onFull = await berth(
      ['backup', '--passphrase-file', join(root, 'passphrase'), '--out', join(mount, 'b.berth')],
      dataDir,
    );
    assert.equal(onFull.code, 1);
    assert.match(onFull.output, /^berth: Not enough free disk space for the backup \(ENOSPC\): \d+ MB free in /);
    assert.doesNotMatch(onFull.output, /\n\s+at /, 'no stack trace');

    rmSync(filler);
    assert.equal((await h.api('POST', '/projects', { name: 'after-full' })).status, 201, 'writes work again');
  });
});
