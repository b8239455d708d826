/** Validation of cron job input (allow-lists; every refusal is VALIDATION_FAILED naming its field), and the kept log. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCronJobInput } from '../../src/cron/cron-input.js';
import { BoundedLog } from '../../src/cron/cron-log.js';
import type { CronJob } from '../../src/cron/cron.types.js';
import { AppError } from '../../src/errors.js';
import { nextRunsOf } from '../../src/jobs/scheduler.js';

const base = { name: 'nightly', schedule: '0 3 * * *', command: 'echo hi' };

function refusedField(raw: Record<string, unknown>): string {
  try {
    parseCronJobInput(raw);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'VALIDATION_FAILED');
    return Object.keys(error.details ?? {}).join(',');
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

describe('cron job input', () => {
  it('fills defaults and normalises', () => {
    assert.deepEqual(
      parseCronJobInput({ ...base, schedule: ' 0  3 * * * ', command: ['php', 'artisan', 'schedule:run'] }),
      {
        name: 'nightly',
        schedule: '0 3 * * *',
        timezone: 'UTC',
        command: { argv: ['php', 'artisan', 'schedule:run'] },
        overlap: 'skip',
        timeoutSeconds: 3600,
        retries: 0,
        enabled: true,
      },
    );
    assert.equal(parseCronJobInput({ ...base, timezone: 'America/New_York' }).timezone, 'America/New_York');
    assert.equal(parseCronJobInput({ ...base, schedule: '*/5 * * * * *' }).schedule, '*/5 * * * * *');
    assert.equal(parseCronJobInput({ ...base, timeoutSeconds: '90', retries: '3' }).timeoutSeconds, 90);
  });

  it('refuses each bad field by name', () => {
    assert.equal(refusedField({ ...base, schedule: 'tomorrow' }), 'schedule');
    assert.equal(refusedField({ ...base, schedule: '* * * *' }), 'schedule');
    assert.equal(refusedField({ ...base, schedule: '0 0 0 0 0 0 0' }), 'schedule');
    assert.equal(refusedField({ ...base, schedule: 42 }), 'schedule');
    assert.equal(refusedField({ ...base, timezone: 'Nowhere/Special' }), 'timezone');
    assert.equal(refusedField({ ...base, timezone: '' }), 'timezone');
    assert.equal(refusedField({ ...base, overlap: 'both' }), 'overlap');
    assert.equal(refusedField({ ...base, command: '' }), 'command');
    assert.equal(refusedField({ ...base, command: [] }), 'command');
    assert.equal(refusedField({ ...base, command: ['ok', 3] }), 'command');
    assert.equal(refusedField({ ...base, command: ['', 'x'] }), 'command');
    assert.equal(refusedField({ ...base, command: 'a\0b' }), 'command');
    assert.equal(refusedField({ ...base, command: { shell: 'x' } }), 'command');
    assert.equal(refusedField({ ...base, timeoutSeconds: 0 }), 'timeoutSeconds');
    assert.equal(refusedField({ ...base, timeoutSeconds: 1.5 }), 'timeoutSeconds');
    assert.equal(refusedField({ ...base, retries: 6 }), 'retries');
    assert.equal(refusedField({ ...base, name: '-x' }), 'name');
    assert.equal(refusedField({ ...base, enabled: 'yes' }), 'enabled');
  });

  it('an update keeps the fields it does not give', () => {
    const current: CronJob = {
      id: 'crj_x',
      serviceId: 'svc_x',
      name: 'nightly',
      schedule: '0 3 * * *',
      timezone: 'Europe/Paris',
      command: { argv: ['node', 'x.js'] },
      overlap: 'replace',
      timeoutSeconds: 30,
      retries: 1,
      enabled: true,
      createdAt: '',
      updatedAt: '',
    };
    assert.deepEqual(parseCronJobInput({ enabled: false }, current), {
      name: 'nightly',
      schedule: '0 3 * * *',
      timezone: 'Europe/Paris',
      command: { argv: ['node', 'x.js'] },
      overlap: 'replace',
      timeoutSeconds: 30,
      retries: 1,
      enabled: false,
    });
  });

  it('reads the schedule in its time zone', () => {
    const [utc] = nextRunsOf('0 3 * * *', 'UTC', 1);
    const [tokyo] = nextRunsOf('0 3 * * *', 'Asia/Tokyo', 1);
    assert.equal(utc!.getUTCHours(), 3);
    assert.equal(tokyo!.getUTCHours(), 18, '03:00 in Tokyo is 18:00 UTC the day before');
  });
});

describe('the kept output of a run', () => {
  it('keeps the newest whole lines within its budget and says how many were left out', () => {
    const log = new BoundedLog(21); // three lines of 6 bytes and their newlines
    for (let i = 0; i < 10; i++) log.push(`line ${i}`);
    assert.equal(log.text(), '[7 earlier line(s) not kept]\nline 7\nline 8\nline 9');
  });

  it('hides secret values', () => {
    const log = new BoundedLog(1000);
    log.push('connecting with s3cr3t-password');
    assert.equal(log.text(['s3cr3t-password']), 'connecting with [redacted]');
  });
});
