import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteSessionStore } from '../../src/auth/session-store.js';
import { sessionSweepJob } from '../../src/auth/session-sweep.job.js';
import { openDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { Scheduler, isValidCronExpression } from '../../src/jobs/scheduler.js';
import { createLogger, type Logger } from '../../src/logger.js';

describe('background jobs', () => {
  it('validates cron expressions', () => {
    assert.equal(isValidCronExpression('17 * * * *'), true);
    assert.equal(isValidCronExpression('every hour'), false);
    assert.throws(
      () => new Scheduler(createLogger('silent')).add({ name: 'x', schedule: '99 * * * *', run: async () => {} }),
      /invalid schedule/,
    );
  });

  it('a failing job is logged with its name, not thrown', async () => {
    const logged: Array<{ job: string; msg: string }> = [];
    const logger = {
      error: (obj: { job: string }, msg: string) => logged.push({ job: obj.job, msg }),
    } as unknown as Logger;
    const scheduler = new Scheduler(logger);
    await scheduler.runSafely({ name: 'boom', schedule: '* * * * *', run: () => Promise.reject(new Error('boom')) });
    assert.deepEqual(logged, [{ job: 'boom', msg: 'background job failed' }]);
    await scheduler.stop();
  });

  it('the session sweep removes expired sessions and keeps live ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-jobs-'));
    const handle = openDatabase(join(dir, 'berth.db'));
    await migrateToLatest(handle.db);
    await handle.db
      .insertInto('sessions')
      .values([
        { sid: 'old', data: '{}', expires_at: Date.now() - 1000 },
        { sid: 'live', data: '{}', expires_at: Date.now() + 60_000 },
      ])
      .execute();
    await sessionSweepJob(new SqliteSessionStore(handle.db)).run();
    const left = await handle.db.selectFrom('sessions').select('sid').execute();
    assert.deepEqual(
      left.map((r) => r.sid),
      ['live'],
    );
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
