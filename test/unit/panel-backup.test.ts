/**
 * Panel backup and restore on real files and a real SQLite database: the archive is encrypted (nothing
 * readable inside), a wrong passphrase or a damaged file is refused before anything is written, and a
 * restore into a fresh data dir brings back the database, the keys and a queued redeploy per live app.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptToFile } from '../../src/backup/archive-crypto.js';
import { createPanelBackup } from '../../src/backup/panel-backup.js';
import { restorePanelBackup } from '../../src/backup/panel-restore.js';
import { dataPaths, ensureDataDir, readOrCreateSecret } from '../../src/data-dir.js';
import { openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { isAppError } from '../../src/errors.js';

const PASSPHRASE = 'a passphrase long enough';

describe('panel backup and restore', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-backup-test-'));
  const source = join(root, 'source');
  const archive = join(root, 'panel.berth');
  let masterKey: string;
  let socket: net.Server;

  before(async () => {
    const paths = dataPaths(source);
    ensureDataDir(paths);
    masterKey = readOrCreateSecret(paths.masterKey);
    writeFileSync(join(paths.builds, 'leftover.txt'), 'a build working copy');
    writeFileSync(join(source, 'install.env'), 'BERTH_PANEL_PORT=3000\n');
    // A live socket and a git repository, as the git push feature keeps them.
    mkdirSync(join(source, 'repos', 'shop'), { recursive: true });
    writeFileSync(join(source, 'repos', 'shop', 'HEAD'), 'ref: refs/heads/main\n');
    socket = net.createServer();
    await new Promise<void>((r) => socket.listen(join(source, 'repos', 'hook.sock'), r));
    const handle = openDatabase(paths.database);
    await migrateToLatest(handle.db);
    await handle.db.insertInto('projects').values({ id: 'prj_1', name: 'shop' }).execute();
    await handle.db
      .insertInto('environments')
      .values({ id: 'env_1', project_id: 'prj_1', name: 'production' })
      .execute();
    await handle.db
      .insertInto('services')
      .values({
        id: 'svc_1',
        project_id: 'prj_1',
        environment_id: 'env_1',
        name: 'web',
        kind: 'app',
        source: JSON.stringify({ type: 'image', image: 'shop/web:1' }),
      } as never)
      .execute();
    await handle.db
      .insertInto('deployments')
      .values({
        id: 'dep_1',
        service_id: 'svc_1',
        trigger: 'manual',
        triggered_by: null,
        image: 'shop/web:1',
        rollback_of: null,
        status: 'active',
        created_at: new Date().toISOString(),
      })
      .execute();
    // The daemon keeps the database open while a backup runs (WAL not checkpointed).
    await createPanelBackup({ dataDir: source, passphrase: PASSPHRASE, out: archive, version: '9.9.9' });
    await handle.close();
  });
  after(() => {
    socket.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes one encrypted file: no key, name or SQLite header readable in it', () => {
    const bytes = readFileSync(archive);
    assert.equal(bytes.subarray(0, 8).toString(), 'BERTHBK1');
    assert.equal(bytes.includes(Buffer.from(masterKey)), false);
    assert.equal(bytes.includes(Buffer.from('SQLite format 3')), false);
    assert.equal(bytes.includes(Buffer.from('shop')), false);
  });

  it('refuses a wrong passphrase and a damaged file, writing nothing', async () => {
    const target = join(root, 'wrong');
    await assert.rejects(
      restorePanelBackup({ archive, passphrase: 'not the passphrase', dataDir: target, hasImage: async () => true }),
      (error: unknown) => isAppError(error) && /Wrong passphrase/.test(error.message),
    );
    assert.equal(existsSync(target), false);
    const damaged = join(root, 'damaged.berth');
    const bytes = readFileSync(archive);
    bytes[bytes.length - 40]! ^= 0xff;
    writeFileSync(damaged, bytes);
    const out = join(root, 'out.tar');
    await assert.rejects(decryptToFile(damaged, PASSPHRASE, out), /damaged/);
    assert.equal(existsSync(out), false);
  });

  it('restores into a fresh data dir: database, keys, and a redeploy of each live app', async () => {
    const target = join(root, 'restored');
    const result = await restorePanelBackup({
      archive,
      passphrase: PASSPHRASE,
      dataDir: target,
      hasImage: async (ref) => ref === 'shop/web:1',
    });
    assert.deepEqual([result.projects, result.services, result.redeploys], [1, 1, 1]);
    assert.equal(result.manifest.version, '9.9.9');
    assert.equal(readFileSync(dataPaths(target).masterKey, 'utf8'), masterKey);
    // Rebuildable and per-server things stay behind.
    assert.deepEqual(readdirSync(dataPaths(target).builds), []);
    assert.equal(existsSync(join(target, 'install.env')), false);
    assert.equal(readFileSync(join(target, 'repos', 'shop', 'HEAD'), 'utf8'), 'ref: refs/heads/main\n');
    assert.equal(existsSync(join(target, 'repos', 'hook.sock')), false);
    const handle = openDatabase(dataPaths(target).database);
    try {
      const projects = await handle.db.selectFrom('projects').select('name').execute();
      assert.deepEqual(projects, [{ name: 'shop' }]);
      const queued = await handle.db.selectFrom('deployments').selectAll().where('status', '=', 'queued').execute();
      assert.equal(queued.length, 1);
      // The image is on this server: reuse it rather than pull or rebuild.
      assert.equal(queued[0]!.image, 'shop/web:1');
      assert.equal(queued[0]!.rollback_of, 'dep_1');
    } finally {
      await handle.close();
    }
  });

  it('will not restore over an existing database', async () => {
    await assert.rejects(
      restorePanelBackup({ archive, passphrase: PASSPHRASE, dataDir: source, hasImage: async () => true }),
      /already has a Berth database/,
    );
  });
});
