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

  it('stops a log at its size cap with one line that says so', async () => {
    const store = new DeploymentLogStore(dir, 64 * 1024);
    const writer = store.writer('dep_capped1');
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 500; i++) writer.line(line);
    await writer.close();
    const lines = await store.read('dep_capped1');
    assert.ok(lines.length < 70, `${lines.length} lines kept`);
    assert.match(lines.at(-1)!, / \[log truncated at 64 KB\]$/);
    assert.equal(lines.filter((l) => l.includes('log truncated')).length, 1);
    const size = lines.reduce((n, l) => n + l.length + 1, 0);
    assert.ok(size <= 64 * 1024 + 100, `${size} bytes on disk`);
  });

  it('redacts a secret printed base64-encoded, alone or inside a longer encoded string', async () => {
    const store = new DeploymentLogStore(dir);
    const writer = store.writer('dep_b64');
    writer.addSecrets(['tok_live_9f8e7d6c5b4a']);
    for (const prefix of ['', 'a', 'ab', 'user:']) {
      writer.line(`encoded ${Buffer.from(`${prefix}tok_live_9f8e7d6c5b4a`).toString('base64')}`);
    }
    await writer.close();
    const text = (await store.read('dep_b64')).join('\n');
    assert.equal(text.match(/\[redacted\]/g)?.length, 4, text);
    assert.ok(!text.includes(Buffer.from('tok_live_9f8e7d6c5b4a').toString('base64').slice(0, 12)), text);
  });
});
