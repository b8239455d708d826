/**
 * The stream filter of kept runtime logs on a real SQLite file: lines keep the stream they were written to,
 * `stdout`/`stderr` keep that stream only, `all` keeps every line (also those kept before the stream was
 * stored, whose stream is null), and anything else is refused before a line is read.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type DbHandle } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { isAppError } from '../../src/errors.js';
import { insertLines, type KeptLine } from '../../src/kept-logs/kept-logs.repository.js';
import { KeptLogs } from '../../src/kept-logs/kept-logs.service.js';
import { seedProject } from '../helpers/metrics-fixtures.js';

const DEP = 'dep_streams1';

async function collect(chunks: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('kept logs: stream filter (real SQLite file)', () => {
  let dir: string;
  let handle: DbHandle;
  let kept: KeptLogs;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-kept-streams-'));
    handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    await seedProject(handle.db, 'prj_1', 'shop', [{ id: 'svc_web', name: 'web' }]);
    const line = (at: number, text: string, stream: KeptLine['stream']): KeptLine => ({
      serviceId: 'svc_web',
      deploymentId: DEP,
      containerId: 'c1',
      replica: 1,
      at,
      line: text,
      stream,
    });
    await insertLines(handle.db, [
      line(1000, 'kept before streams were stored', null),
      line(2000, 'listening on 3000', 'stdout'),
      line(3000, 'warning: cache cold', 'stderr'),
      line(4000, 'served GET /', 'stdout'),
    ]);
    kept = new KeptLogs(handle.db);
  });
  after(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one stream, or every line (streamless ones too) under all', async () => {
    const text = async (stream?: string) => (await kept.lines(DEP, { stream })).map((l) => l.line);
    assert.deepEqual(await text('stdout'), ['listening on 3000', 'served GET /']);
    assert.deepEqual(await text('stderr'), ['warning: cache cold']);
    const everything = ['kept before streams were stored', 'listening on 3000', 'warning: cache cold', 'served GET /'];
    assert.deepEqual(await text('all'), everything);
    assert.deepEqual(await text(undefined), everything);
    assert.deepEqual(
      (await kept.lines(DEP, {})).map((l) => l.stream),
      [null, 'stdout', 'stderr', 'stdout'],
    );
    assert.deepEqual(
      (await kept.lines(DEP, { stream: 'stdout', search: 'GET' })).map((l) => l.line),
      ['served GET /'],
    );
  });

  it('downloads one stream only when asked', async () => {
    const stderr = await collect(kept.download(DEP, { stream: 'stderr' }));
    assert.equal(stderr, '1970-01-01T00:00:03.000Z [1] warning: cache cold\n');
    assert.equal((await collect(kept.download(DEP))).split('\n').length - 1, 4);
  });

  it('refuses any other value with VALIDATION_FAILED', async () => {
    for (const stream of ['STDERR', 'both', 'stdout,stderr', ' stdout']) {
      await assert.rejects(
        () => kept.lines(DEP, { stream }),
        (e) => isAppError(e) && e.code === 'VALIDATION_FAILED',
      );
      assert.throws(
        () => kept.download(DEP, { stream }),
        (e) => isAppError(e) && e.code === 'VALIDATION_FAILED',
      );
    }
  });
});
