import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeContainerStop, type ContainerStopState } from '../../src/deploys/container-stop.js';
import { splitEngineTime } from '../../src/deploys/runtime-logs.js';

const NOW = Date.parse('2026-12-02T10:50:00Z');
const stopped = (over: Partial<ContainerStopState>): ContainerStopState => ({
  state: 'exited',
  exitCode: 137,
  restartCount: 0,
  finishedAt: '2026-12-02T10:48:00Z',
  oomKilled: false,
  ...over,
});

describe('a stopped container in words', () => {
  it('says the exit code and how long ago', () => {
    assert.equal(describeContainerStop(stopped({}), NOW), 'exited 137, 2 min ago');
    assert.equal(
      describeContainerStop(stopped({ exitCode: 0, finishedAt: '2026-12-02T10:49:58Z' }), NOW),
      'exited 0, just now',
    );
    assert.equal(
      describeContainerStop(stopped({ exitCode: 1, finishedAt: '2026-12-02T10:49:15Z' }), NOW),
      'exited 1, 45 s ago',
    );
    assert.equal(describeContainerStop(stopped({ finishedAt: '2026-12-02T07:20:00Z' }), NOW), 'exited 137, 3 h ago');
    assert.equal(describeContainerStop(stopped({ finishedAt: '2026-11-28T10:50:00Z' }), NOW), 'exited 137, 4 days ago');
  });

  it('says when the kernel killed it for memory', () => {
    assert.equal(
      describeContainerStop(stopped({ oomKilled: true }), NOW),
      'ran out of memory and was killed (exited 137), 2 min ago',
    );
  });

  it('says a crash-looping container is restarting, with the restart count', () => {
    assert.equal(
      describeContainerStop(
        stopped({ state: 'restarting', exitCode: 1, restartCount: 3, finishedAt: '2026-12-02T10:49:59Z' }),
        NOW,
      ),
      'restarting after exit 1 (restart 3), just now',
    );
  });

  it('has nothing to say about a running container, and never invents a time', () => {
    assert.equal(describeContainerStop(stopped({ state: 'running', exitCode: null }), NOW), null);
    assert.equal(describeContainerStop(stopped({ finishedAt: null }), NOW), 'exited 137');
    assert.equal(describeContainerStop(stopped({ exitCode: null, state: 'dead', finishedAt: null }), NOW), 'stopped');
    assert.equal(describeContainerStop(stopped({ state: 'created', exitCode: null }), NOW), 'created, never started');
    assert.equal(
      describeContainerStop(stopped({ finishedAt: '2026-12-02T10:51:00Z' }), NOW),
      'exited 137, just now',
      'a clock a little ahead is not "in the future"',
    );
    assert.equal(describeContainerStop(stopped({ finishedAt: 'not a time' }), NOW), 'exited 137');
  });
});

describe("the engine's timestamp on a log line", () => {
  it('is split off the text, which stays as written', () => {
    assert.deepEqual(splitEngineTime('2026-12-02T10:48:01.123456789Z listening on 3000'), {
      at: '2026-12-02T10:48:01.123456789Z',
      line: 'listening on 3000',
    });
    assert.deepEqual(splitEngineTime('2026-12-02T10:48:01Z '), { at: '2026-12-02T10:48:01Z', line: '' });
    assert.deepEqual(splitEngineTime('no time here'), { at: undefined, line: 'no time here' });
  });
});
