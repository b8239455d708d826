/**
 * What `berth up` sends, on a real temporary tree: .gitignore (root and nested) and .dockerignore rules,
 * .git/ and .berth/ never, symlinks only when they stay inside; and the server's side on real archives:
 * each entry checked before it is written, one bad entry (or a size over the cap) removes everything.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { listUploadFiles, packUpload } from '../../src/cli-client/upload-files.js';
import { entryProblem, receiveUpload } from '../../src/deploys/upload-source.js';
import { isAppError } from '../../src/errors.js';
import { tarOf } from '../helpers/raw-tar.js';

const work = mkdtempSync(join(tmpdir(), 'berth-upload-files-'));
after(() => rmSync(work, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(work, 'tree-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

async function toBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('berth up: which files go', () => {
  it('applies the root .gitignore, nested .gitignore files and .dockerignore', async () => {
    const root = tree({
      '.gitignore': 'node_modules/\n*.log\n!keep.log\n/build\n',
      '.dockerignore': 'secrets.env\ndocs\n',
      'server.js': 'x',
      'keep.log': 'kept by negation',
      'debug.log': 'ignored',
      'node_modules/pkg/index.js': 'ignored dir',
      'build/out.js': 'anchored: ignored',
      'src/build/out.js': 'not the root build: kept',
      'secrets.env': 'dockerignored',
      'docs/readme.md': 'dockerignored dir',
      'src/.gitignore': 'generated.js\n',
      'src/generated.js': 'ignored by the nested rule',
      'src/app.js': 'kept',
      'generated.js': 'the nested rule does not reach the root',
      '.git/HEAD': 'never',
      '.berth/link.json': '{}',
      'sub/.git': 'a submodule pointer: never',
    });
    const { files } = await listUploadFiles(root);
    assert.deepEqual(files, [
      '.dockerignore',
      '.gitignore',
      'generated.js',
      'keep.log',
      'server.js',
      'src/.gitignore',
      'src/app.js',
      'src/build/out.js',
    ]);
  });

  it('keeps symlinks that stay inside and leaves out those that point out, nowhere or absolutely', async () => {
    const root = tree({ 'real.txt': 'hello', 'dir/inner.txt': 'x' });
    symlinkSync('real.txt', join(root, 'inside'));
    symlinkSync('../../../../etc/hostname', join(root, 'outside'));
    symlinkSync('missing.txt', join(root, 'dangling'));
    symlinkSync(join(root, 'real.txt'), join(root, 'absolute'));
    symlinkSync('dir', join(root, 'dirlink'));
    const { files, skipped } = await listUploadFiles(root);
    assert.deepEqual(files, ['dir/inner.txt', 'inside', 'real.txt']);
    assert.deepEqual(skipped.map((s) => s.path).sort(), ['absolute', 'dangling', 'dirlink', 'outside']);
  });

  it('packs exactly those files, which the server unpacks as they were', async () => {
    const root = tree({ 'a.txt': 'A', 'deep/b.txt': 'B', 'ignored.txt': 'no', '.gitignore': 'ignored.txt\n' });
    symlinkSync('a.txt', join(root, 'link'));
    const { files } = await listUploadFiles(root);
    const archive = await toBuffer(packUpload(root, files));
    const target = join(work, 'unpacked');
    const result = await receiveUpload(Readable.from([archive]), target, 1024 * 1024);
    assert.ok(result.entries >= 4);
    assert.equal(readFileSync(join(target, 'deep/b.txt'), 'utf8'), 'B');
    assert.equal(readFileSync(join(target, 'link'), 'utf8'), 'A');
    assert.equal(existsSync(join(target, 'ignored.txt')), false);
  });
});

describe('the server: uploaded archive entries', () => {
  it('names the problem of each bad entry and accepts plain ones', () => {
    assert.equal(entryProblem({ name: 'src/app.js', type: 'file' }), undefined);
    assert.equal(entryProblem({ name: './src/', type: 'directory' }), undefined);
    assert.equal(entryProblem({ name: 'l', type: 'symlink', linkname: 'src/app.js' }), undefined);
    assert.equal(entryProblem({ name: 'a/b/l', type: 'symlink', linkname: '../c' }), undefined);
    assert.match(entryProblem({ name: '../x', type: 'file' })!, /leaves the directory/);
    assert.match(entryProblem({ name: 'a/../../x', type: 'file' })!, /leaves the directory/);
    assert.match(entryProblem({ name: '/etc/x', type: 'file' })!, /absolute/);
    assert.match(entryProblem({ name: 'l', type: 'symlink', linkname: '/etc/passwd' })!, /absolute/);
    assert.match(entryProblem({ name: 'a/l', type: 'symlink', linkname: '../../x' })!, /outside/);
    assert.match(entryProblem({ name: 'h', type: 'link', linkname: 'a' })!, /hard link/);
    assert.match(entryProblem({ name: 'd', type: 'character-device' })!, /character-device/);
    assert.match(entryProblem({ name: 'f', type: 'fifo' })!, /fifo/);
  });

  it('removes everything when one entry is bad, even after good ones were written', async () => {
    const target = join(work, 'refused');
    const archive = gzipSync(
      tarOf([
        { name: 'good.txt', body: 'fine' },
        { name: '../evil', body: 'x' },
      ]),
    );
    await assert.rejects(receiveUpload(Readable.from([archive]), target, 1024 * 1024), (error: unknown) => {
      assert.ok(isAppError(error) && error.code === 'BAD_REQUEST');
      assert.match(error.message, /\.\.\/evil leaves the directory.*Nothing was kept/);
      return true;
    });
    assert.equal(existsSync(target), false);
    assert.equal(existsSync(join(work, 'evil')), false);
  });

  it('stops at the compressed cap and at the unpacked cap (a gzip bomb), keeping nothing', async () => {
    const noise = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7919) % 251));
    const big = gzipSync(tarOf([{ name: 'noise', body: noise }]), { level: 0 });
    await assert.rejects(receiveUpload(Readable.from([big]), join(work, 'big'), 100 * 1024), /larger than/);
    assert.equal(existsSync(join(work, 'big')), false);
    const bomb = gzipSync(tarOf([{ name: 'zeros', body: Buffer.alloc(1024 * 1024) }]));
    assert.ok(bomb.length < 100 * 1024);
    await assert.rejects(receiveUpload(Readable.from([bomb]), join(work, 'bomb'), 100 * 1024), /unpacks to more/);
    assert.equal(existsSync(join(work, 'bomb')), false);
  });

  it('refuses an empty archive and a stream that is not gzip', async () => {
    await assert.rejects(receiveUpload(Readable.from([gzipSync(tarOf([]))]), join(work, 'empty'), 1024), /empty/);
    await assert.rejects(
      receiveUpload(Readable.from([Buffer.from('plain')]), join(work, 'plain'), 1024),
      /not a readable/,
    );
    assert.equal(existsSync(join(work, 'empty')) || existsSync(join(work, 'plain')), false);
  });
});
