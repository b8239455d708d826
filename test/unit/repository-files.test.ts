/**
 * Files a repository controls are read through one guarded reader: a link to /dev/zero, a link out of the
 * checkout, a FIFO or an oversized file gets a clear error naming the file, and nothing is read whole.
 * Real files, links and a FIFO in a temp dir; the build context packer and build detection both use it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectBuild } from '../../src/build/detect.js';
import { loadConfig } from '../../src/config.js';
import { packBuildContext } from '../../src/runtime/docker/build-context.js';

const config = loadConfig({}, '/srv');
const made: string[] = [];

async function checkout(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-repo-files-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** The packer's answer: the error message, or 'packed' (the tar stream is discarded). */
async function pack(dir: string): Promise<string> {
  try {
    const packed = await packBuildContext(dir, 'Dockerfile');
    packed.stream.destroy();
    return 'packed';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('repository-controlled files', () => {
  after(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a .dockerignore that links to /dev/zero, quickly and without reading it', async () => {
    const dir = await checkout({ Dockerfile: 'FROM scratch\n' });
    await symlink('/dev/zero', join(dir, '.dockerignore'));
    const rssBefore = process.memoryUsage().rss;
    assert.match(await pack(dir), /\.dockerignore .*outside/);
    assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'nothing was read from /dev/zero');
  });

  it('refuses a .dockerignore that links out of the checkout, even to a harmless file', async () => {
    const outside = await checkout({ rules: 'secret.txt\n' });
    const dir = await checkout({ Dockerfile: 'FROM scratch\n' });
    await symlink(join(outside, 'rules'), join(dir, '.dockerignore'));
    assert.match(await pack(dir), /\.dockerignore .*outside/);
  });

  it('refuses an oversized .dockerignore and a FIFO, and still honours a normal one', async () => {
    const big = await checkout({ Dockerfile: 'FROM scratch\n', '.dockerignore': `${'x'.repeat(80)}\n`.repeat(30_000) });
    assert.match(await pack(big), /\.dockerignore .*larger than 1 MB/);
    const fifo = await checkout({ Dockerfile: 'FROM scratch\n' });
    assert.equal(spawnSync('mkfifo', [join(fifo, '.dockerignore')]).status, 0);
    assert.match(await pack(fifo), /\.dockerignore .*not a regular file/);
    const normal = await checkout({ Dockerfile: 'FROM scratch\n', '.dockerignore': 'a.txt\n', 'a.txt': 'x' });
    assert.equal(await pack(normal), 'packed');
  });

  it('refuses a Procfile or go.mod that links to /dev/zero or out of the checkout, or is too large', async () => {
    const zero = await checkout({ 'index.html': '<p>' });
    await symlink('/dev/zero', join(zero, 'Procfile'));
    await assert.rejects(detectBuild(zero, {}, config), /Procfile .*outside/);

    const outside = await checkout({ 'go.mod': 'module example.com/x\n' });
    const linked = await checkout({ 'main.go': 'package main\n' });
    await symlink(join(outside, 'go.mod'), join(linked, 'go.mod'));
    await assert.rejects(detectBuild(linked, {}, config), /go\.mod .*outside/);

    const huge = await checkout({ 'index.html': '<p>', Procfile: `web: ${'x'.repeat(6 * 1024 * 1024)}\n` });
    await assert.rejects(detectBuild(huge, {}, config), /Procfile .*larger than 5 MB/);
  });
});
