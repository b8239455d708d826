import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase, tryExclusiveLock } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { sql } from 'kysely';

const dir = mkdtempSync(join(tmpdir(), 'berth-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('state database', () => {
  it('opens in WAL mode with foreign keys, migrates once, and re-running is a no-op', async () => {
    const handle = openDatabase(join(dir, 'a.db'));
    // Every migration file runs, in file-name order (a file left out of migrate.ts's list would show here).
    const files = readdirSync(join(import.meta.dirname, '../../src/db/migrations'))
      .filter((f) => /^\d{4}-.+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    assert.ok(files.length >= 6);
    assert.deepEqual(await migrateToLatest(handle.db), files);
    assert.deepEqual(await migrateToLatest(handle.db), []);
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(handle.db);
    assert.equal(mode.rows[0]!.journal_mode, 'wal');
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(handle.db);
    assert.equal(fk.rows[0]!.foreign_keys, 1);
    await assert.rejects(
      handle.db
        .insertInto('api_tokens')
        .values({
          id: 't',
          user_id: 'missing',
          name: 'n',
          token_hash: 'h',
          token_prefix: 'p',
          created_at: 'now',
          last_used_at: null,
          revoked_at: null,
        })
        .execute(),
      /FOREIGN KEY/,
    );
    await handle.close();
  });

  it('gives the data-dir lock to one holder at a time and frees it on release', () => {
    const file = join(dir, 'berth.lock');
    const first = tryExclusiveLock(file);
    assert.ok(first);
    assert.equal(tryExclusiveLock(file), undefined);
    first.release();
    const again = tryExclusiveLock(file);
    assert.ok(again);
    again.release();
  });
});
