/**
 * Crafted panel backups, encrypted with the right passphrase as an attacker who knows it (or who handed
 * the archive to an admin) would: links and unknown top-level names are refused before anything reaches
 * the data dir, and a restored git repository keeps its objects but never its hooks or config. Real tar
 * archives, real files, a real SQLite database and the real git.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import tarFs from 'tar-fs';
import { encryptToFile } from '../../src/backup/archive-crypto.js';
import { BACKUP_FORMAT } from '../../src/backup/panel-backup.js';
import { restorePanelBackup } from '../../src/backup/panel-restore.js';
import { openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';

const PASSPHRASE = 'a passphrase long enough';
const root = mkdtempSync(join(tmpdir(), 'berth-crafted-'));
let counter = 0;

/** A staging dir with what every backup has: a manifest and a migrated database. */
async function stageDir(): Promise<string> {
  const stage = join(root, `stage-${++counter}`);
  mkdirSync(join(stage, 'secrets'), { recursive: true });
  writeFileSync(join(stage, 'secrets', 'master.key'), 'k'.repeat(43));
  const manifest = { format: BACKUP_FORMAT, version: '9.9.9', createdAt: new Date().toISOString(), entries: [] };
  writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest));
  const handle = openDatabase(join(stage, 'berth.db'));
  await migrateToLatest(handle.db);
  await handle.close();
  return stage;
}

/** Packs and encrypts a staging dir; `map` may rewrite tar headers (to craft a hard link). */
async function archiveOf(stage: string, map?: (header: tarFs.Headers) => tarFs.Headers): Promise<string> {
  const out = join(root, `crafted-${++counter}.berth`);
  await encryptToFile(tarFs.pack(stage, map ? { map } : {}) as unknown as Readable, PASSPHRASE, out);
  return out;
}

function restore(archive: string, dataDir: string) {
  return restorePanelBackup({ archive, passphrase: PASSPHRASE, dataDir, hasImage: async () => false });
}

function git(args: string[]): string {
  const result = spawnSync('git', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('crafted panel backups', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a symbolic link, even one pointing inside the archive, writing nothing to the data dir', async () => {
    const stage = await stageDir();
    // Restored as they are, these would point into the (deleted) staging directory.
    symlinkSync('master.key', join(stage, 'secrets', 'escape'));
    symlinkSync('berth.db', join(stage, 'certs'));
    const target = join(root, 'target-symlink');
    await assert.rejects(restore(await archiveOf(stage), target), /not a backup Berth made: .*symlink/);
    assert.equal(existsSync(join(target, 'berth.db')), false, 'no database was restored');
    assert.equal(existsSync(join(target, 'secrets', 'escape')), false);
    assert.equal(existsSync(join(target, 'certs')), false);
  });

  it('refuses a hard link', async () => {
    const stage = await stageDir();
    writeFileSync(join(stage, 'secrets', 'session.key'), 'x');
    const map = (header: tarFs.Headers) =>
      header.name === 'secrets/session.key'
        ? { ...header, type: 'link' as const, linkname: 'berth.db', size: 0 }
        : header;
    const target = join(root, 'target-hardlink');
    await assert.rejects(restore(await archiveOf(stage, map), target), /secrets\/session\.key is a link/);
    assert.equal(existsSync(join(target, 'berth.db')), false);
  });

  it('refuses unknown top-level names', async () => {
    const stage = await stageDir();
    writeFileSync(join(stage, 'install.env'), 'BERTH_PANEL_PORT=1\n');
    mkdirSync(join(stage, 'builds'));
    writeFileSync(join(stage, 'builds', 'run.sh'), '#!/bin/sh\n');
    const target = join(root, 'target-unknown');
    await assert.rejects(restore(await archiveOf(stage), target), /install\.env is not part of a Berth backup/);
    assert.equal(existsSync(join(target, 'install.env')), false);
    assert.equal(existsSync(join(target, 'berth.db')), false);
  });

  it("restores a repository's objects but replaces its config and hooks with Berth's own", async () => {
    const stage = await stageDir();
    const repo = join(stage, 'repos', 'shop', 'web.git');
    git(['init', '--quiet', '--bare', repo]);
    const evilHooks = join(root, 'evil-hooks');
    git(['--git-dir', repo, 'config', 'core.hooksPath', evilHooks]);
    git(['--git-dir', repo, 'config', 'core.fsmonitor', 'touch /tmp/berth-pwned']);
    writeFileSync(join(repo, 'hooks', 'post-receive'), '#!/bin/sh\ntouch /tmp/berth-pwned\n', { mode: 0o755 });
    mkdirSync(join(repo, 'objects', 'info'), { recursive: true });
    writeFileSync(join(repo, 'objects', 'info', 'alternates'), '/etc\n');
    mkdirSync(join(stage, 'repos', '.hooks'));
    writeFileSync(join(stage, 'repos', '.hooks', 'post-update'), '#!/bin/sh\ntouch /tmp/berth-pwned\n', {
      mode: 0o755,
    });
    const blob = spawnSync('git', ['--git-dir', repo, 'hash-object', '-w', '--stdin'], {
      input: 'kept\n',
      encoding: 'utf8',
    }).stdout.trim();

    const target = join(root, 'target-repo');
    await restore(await archiveOf(stage), target);
    const restored = join(target, 'repos', 'shop', 'web.git');
    assert.deepEqual(readdirSync(join(restored, 'hooks')), [], 'no hook of the archive is kept');
    assert.equal(existsSync(join(target, 'repos', '.hooks', 'post-update')), false);
    assert.equal(existsSync(join(restored, 'objects', 'info', 'alternates')), false);
    const config = readFileSync(join(restored, 'config'), 'utf8');
    assert.doesNotMatch(config, /fsmonitor|evil-hooks/);
    assert.equal(git(['--git-dir', restored, 'config', 'core.hooksPath']).trim(), join(target, 'repos', '.hooks'));
    assert.equal(git(['--git-dir', restored, 'config', 'http.receivepack']).trim(), 'true');
    assert.equal(git(['--git-dir', restored, 'cat-file', '-p', blob]), 'kept\n', 'the objects are restored');
  });
});
