/**
 * The System page over the real app (fastify inject, real SQLite): version and release-check state,
 * an upgrade refused with a reason when Berth is not an installed container, and the backup button:
 * mismatched or short passphrases are refused, a good one downloads an archive that decrypts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptToFile } from '../../src/backup/archive-crypto.js';
import { ADMIN, seedAdmin, signedInClient } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';

describe('System page', () => {
  let t: TestApp;
  let client: InjectClient;
  const scratch = mkdtempSync(join(tmpdir(), 'berth-system-'));

  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
    client = await signedInClient(t.app);
  });
  after(async () => {
    await t.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows the running version and that release checks are off by default', async () => {
    const page = await client.get('/system');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /This is Berth <strong id="running-version">test<\/strong>/);
    assert.match(page.body, /Release checks are off/);
    assert.match(page.body, /not running as an installed container/);
  });

  it('refuses an upgrade outside an installed container, saying why', async () => {
    const csrf = csrfTokenOf((await client.get('/system')).body);
    const res = await client.postForm('/system/upgrade', { _csrf: csrf, to: '9.9.9' });
    // The request is fine; the install's state (not in a container) is what refuses it.
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /re-running the installer/);
  });

  it('refuses a short or mismatched passphrase for a backup', async () => {
    const csrf = csrfTokenOf((await client.get('/system')).body);
    const short = await client.postForm('/system/backup', { _csrf: csrf, passphrase: 'short', confirm: 'short' });
    assert.equal(short.statusCode, 422);
    assert.match(short.body, /at least 12 characters/);
    const differ = await client.postForm('/system/backup', {
      _csrf: csrf,
      passphrase: 'one long passphrase',
      confirm: 'another long passphrase',
    });
    assert.equal(differ.statusCode, 422);
    assert.match(differ.body, /differ/);
  });

  it('downloads an encrypted backup that opens with the passphrase', async () => {
    const csrf = csrfTokenOf((await client.get('/system')).body);
    const passphrase = 'the panel backup passphrase';
    const res = await client.postForm('/system/backup', { _csrf: csrf, passphrase, confirm: passphrase });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-disposition']), /attachment; filename="berth-backup-.*\.berth"/);
    assert.equal(res.rawPayload.includes(Buffer.from(ADMIN.email)), false);
    const file = join(scratch, 'download.berth');
    writeFileSync(file, res.rawPayload);
    await decryptToFile(file, passphrase, join(scratch, 'backup.tar'));
    const tar = readFileSync(join(scratch, 'backup.tar'));
    assert.ok(tar.includes(Buffer.from('manifest.json')));
    assert.ok(tar.includes(Buffer.from(ADMIN.email)), 'the database snapshot is in the archive');
  });

  it('requires a signed-in user', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/system', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 303);
  });
});
