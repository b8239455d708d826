import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DeploymentLogStore } from '../../src/deploys/deployment-log.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('deployment logs', () => {
  it('a follower joining mid-way gets every line exactly once, identical lines included', async () => {
    const store = new DeploymentLogStore(dir);
    const writer = store.writer('dep_follow1');
    for (let i = 0; i < 100; i++) writer.line('same line');
    const received: string[] = [];
    const following = store.follow('dep_follow1', (line) => received.push(line));
    for (let i = 0; i < 100; i++) writer.line('same line');
    await writer.close();
    await following;
    assert.equal(received.length, 200);
    assert.ok(received.every((line) => line.endsWith(' same line')));
  });

  it('stores one line per call, redacts secrets, and refuses ids it did not make', async () => {
    const store = new DeploymentLogStore(dir);
    const writer = store.writer('dep_follow2');
    writer.addSecrets(['hunter2-password']);
    writer.line('first\nsecond with hunter2-password');
    await writer.close();
    const lines = await store.read('dep_follow2');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /firstsecond with \[redacted\]$/);
    await assert.rejects(store.read('../../etc/passwd'), /No such deployment log/);
  });
});
