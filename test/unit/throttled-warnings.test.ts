import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../src/logger.js';
import { ThrottledWarnings } from '../../src/proxy/throttled-warnings.js';

function recordingLogger(lines: Array<Record<string, unknown>>): Logger {
  return {
    warn: (fields: Record<string, unknown>, msg: string) => lines.push({ ...fields, msg }),
  } as unknown as Logger;
}

describe('throttled upstream warnings', () => {
  it('logs one line per key and interval, then says how many were left out', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const warnings = new ThrottledWarnings(recordingLogger(lines), 50);
    for (let i = 0; i < 100; i++) warnings.warn('ctr-a timeout', { upstream: 'ctr-a', i }, 'upstream request failed');
    warnings.warn('ctr-b timeout', { upstream: 'ctr-b' }, 'upstream request failed');
    assert.deepEqual(lines, [
      { upstream: 'ctr-a', i: 0, msg: 'upstream request failed' },
      { upstream: 'ctr-b', msg: 'upstream request failed' },
    ]);
    await new Promise((r) => setTimeout(r, 60));
    warnings.warn('ctr-a timeout', { upstream: 'ctr-a', i: 100 }, 'upstream request failed');
    assert.deepEqual(lines[2], { upstream: 'ctr-a', i: 100, similarSinceLastLine: 99, msg: 'upstream request failed' });
  });
});
