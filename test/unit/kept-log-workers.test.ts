/**
 * Kept runtime logs name a worker's lines as the live logs do (`[worker.1]`), on a real SQLite file: the
 * name is taken from the container labels, stored (as text in the integer replica column, a web replica's
 * number staying a number), read back, downloaded as `[worker.1]`, and split for the API into the replica
 * number and the process type.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { insertLines, type KeptLine } from '../../src/kept-logs/kept-logs.repository.js';
import { KeptLogs, replicaParts } from '../../src/kept-logs/kept-logs.service.js';
import { keptReplicaOf } from '../../src/kept-logs/log-keeper.js';
import { seedProject } from '../helpers/metrics-fixtures.js';

const DEP = 'dep_workers1';
const WEB = { 'berth.deployment': DEP, 'berth.replica': '2' };
const WORKER = { 'berth.deployment': DEP, 'berth.role': 'worker', 'berth.process': 'mailer', 'berth.replica': '3' };

async function collect(chunks: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('kept logs: worker lines named by process (real SQLite file)', () => {
  let dir: string;
  let handle: DbHandle;
  let kept: KeptLogs;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-kept-workers-'));
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    await seedProject(handle.db, 'prj_1', 'shop', [{ id: 'svc_web', name: 'web' }]);
    const line = (at: number, labels: Record<string, string>, text: string): KeptLine => ({
      serviceId: 'svc_web',
      deploymentId: DEP,
      containerId: labels['berth.process'] ? 'c-worker' : 'c-web',
      replica: keptReplicaOf(labels),
      at,
      line: text,
      stream: 'stdout',
    });
    await insertLines(handle.db, [
      line(1000, WEB, 'listening'),
      line(2000, WORKER, 'sent 3 mails'),
      line(3000, { 'berth.deployment': DEP }, 'no replica label'),
    ]);
    kept = new KeptLogs(handle.db);
  });
  after(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the name from the labels: a number for web, type.replica for a worker', () => {
    assert.equal(keptReplicaOf(WEB), 2);
    assert.equal(keptReplicaOf(WORKER), 'mailer.3');
    assert.equal(keptReplicaOf({}), 1);
  });

  it('stores and reads back the names, and downloads them as the live logs show them', async () => {
    assert.deepEqual(
      (await kept.lines(DEP, {})).map((l) => l.replica),
      [2, 'mailer.3', 1],
    );
    assert.equal(
      await collect(kept.download(DEP)),
      '1970-01-01T00:00:01.000Z [2] listening\n' +
        '1970-01-01T00:00:02.000Z [mailer.3] sent 3 mails\n' +
        '1970-01-01T00:00:03.000Z [1] no replica label\n',
    );
  });

  it('splits a stored name into the replica number and the process type for the API', () => {
    assert.deepEqual(replicaParts(2), { replica: 2, process: null });
    assert.deepEqual(replicaParts('mailer.3'), { replica: 3, process: 'mailer' });
    assert.deepEqual(replicaParts('queue.default.12'), { replica: 12, process: 'queue.default' });
  });
});
