/** BERTH_CONTAINER_LOG_*: the rotation every container Berth starts gets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected a config error');
}

describe('container log rotation settings', () => {
  it('defaults to 10 MB × 3 files', () => {
    assert.deepEqual(loadConfig({}, '/srv').containerLogs, { maxSize: '10m', maxFiles: 3 });
  });

  it('reads both settings', () => {
    const c = loadConfig({ BERTH_CONTAINER_LOG_MAX_SIZE: '500k', BERTH_CONTAINER_LOG_MAX_FILES: '5' }, '/srv');
    assert.deepEqual(c.containerLogs, { maxSize: '500k', maxFiles: 5 });
  });

  it('names the variable of a bad value', () => {
    assert.match(configError({ BERTH_CONTAINER_LOG_MAX_SIZE: '10' }), /^BERTH_CONTAINER_LOG_MAX_SIZE must be a size/);
    assert.match(configError({ BERTH_CONTAINER_LOG_MAX_SIZE: '0m' }), /^BERTH_CONTAINER_LOG_MAX_SIZE /);
    assert.match(configError({ BERTH_CONTAINER_LOG_MAX_FILES: '0' }), /^BERTH_CONTAINER_LOG_MAX_FILES /);
  });
});
