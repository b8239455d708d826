/**
 * Repository functions accept a transaction: several of them, run in one `inTransaction`, are committed
 * or rolled back together, including a repository that opens a transaction of its own (it joins the
 * caller's). Real SQLite in a temporary data dir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSetting, writeSetting } from '../../src/auth/settings.repository.js';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { inTransaction } from '../../src/db/executor.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { findProjectByName, insertProjectWithEnvironment } from '../../src/projects/projects.repository.js';

describe('repositories in a transaction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-trx-unit-'));
  let handle: DbHandle;

  before(async () => {
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
  });
  after(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const project = (name: string) => ({ id: `prj_${name}`, name, createdAt: new Date().toISOString() });
  const environment = (name: string) => ({ id: `env_${name}`, name: 'production' });

  it('commits every write of the transaction together', async () => {
    await inTransaction(handle.db, async (trx) => {
      await writeSetting(trx, 'trx_test_a', 'one');
      await insertProjectWithEnvironment(trx, project('kept'), environment('kept'));
    });
    assert.equal(await readSetting(handle.db, 'trx_test_a'), 'one');
    assert.equal((await findProjectByName(handle.db, 'kept'))?.id, 'prj_kept');
  });

  it('rolls back every write, the nested repository transaction too, when the work fails', async () => {
    await assert.rejects(
      inTransaction(handle.db, async (trx) => {
        await writeSetting(trx, 'trx_test_b', 'two');
        await insertProjectWithEnvironment(trx, project('undone'), environment('undone'));
        throw new Error('something later failed');
      }),
      /something later failed/,
    );
    assert.equal(await readSetting(handle.db, 'trx_test_b'), undefined);
    assert.equal(await findProjectByName(handle.db, 'undone'), undefined);
  });
});
