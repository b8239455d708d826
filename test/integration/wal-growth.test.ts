/**
 * The WAL behind a long reader: another process keeps a read transaction open while 20 MB are written
 * to the daemon's database, so no checkpoint can get past it and the WAL grows. Once the reader is
 * gone, the daemon's periodic checkpoint truncates the WAL again instead of leaving it that size until
 * shutdown.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { dataPaths } from '../../src/data-dir.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MB = 1024 * 1024;

/** Runs a small better-sqlite3 script in another process; resolves once it printed `ready`. */
async function sqliteProcess(script: string, file: string): Promise<{ child: ChildProcess; exited: Promise<number> }> {
  const child = spawn(process.execPath, ['-e', `const Database = require('better-sqlite3');\n${script}`, file], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    void exited.then((code) => reject(new Error(`the sqlite process exited with ${code} before it was ready`)));
  });
  return { child, exited };
}

const walSize = (file: string) => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

describe('the WAL behind a long reader', () => {
  let h: Harness;
  let file: string;

  before(async () => {
    h = await startHarness({}, { walCheckpointMs: 500 });
    file = dataPaths(h.dataDir).database;
  });
  after(async () => {
    await h?.close();
  });

  it('is truncated once the reader is gone', async () => {
    // The reader: a read transaction held until its stdin closes.
    const reader = await sqliteProcess(
      `const db = new Database(process.argv[1]);
       db.exec('BEGIN');
       db.prepare('SELECT count(*) FROM users').get();
       console.log('ready');
       process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); });
       process.stdin.resume();`,
      file,
    );
    const writer = await sqliteProcess(
      `const db = new Database(process.argv[1]);
       db.pragma('busy_timeout = 5000');
       db.exec('CREATE TABLE wal_test_scratch (b BLOB)');
       const insert = db.prepare('INSERT INTO wal_test_scratch VALUES (randomblob(1048576))');
       for (let i = 0; i < 20; i++) insert.run();
       db.exec('DROP TABLE wal_test_scratch');
       db.close();
       console.log('ready');`,
      file,
    );
    assert.equal(await writer.exited, 0);
    // A daemon write too, so the daemon itself has worked with the grown WAL.
    assert.equal((await h.api('POST', '/projects', { name: 'walgrowth' })).status, 201);
    const grown = walSize(file);
    assert.ok(grown > 15 * MB, `the WAL grew behind the reader (${(grown / MB).toFixed(1)} MB)`);

    reader.child.stdin!.end();
    assert.equal(await reader.exited, 0);
    const deadline = Date.now() + 5_000;
    while (walSize(file) > MB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const left = walSize(file);
    console.log(`WAL: ${(grown / MB).toFixed(1)} MB behind the reader, ${(left / MB).toFixed(2)} MB after it`);
    assert.ok(left <= MB, `the WAL is still ${(left / MB).toFixed(1)} MB 5 s after the reader ended`);
  });
});
