import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LINE_LENGTH, sanitizeLine } from '../../src/lib/log-sanitize.js';
import { LineSplitter } from '../../src/runtime/docker/line-splitter.js';
import { splitCommand } from '../../src/deploys/command-line.js';

describe('log lines', () => {
  it('strips ANSI colours, cursor moves and control characters, keeping tabs', () => {
    assert.equal(sanitizeLine('\u001b[31mred\u001b[0m\tok\u0007\u001b]0;title\u0007!'), 'red\tok!');
  });

  it('redacts known secret values but not short common words', () => {
    assert.equal(
      sanitizeLine('connecting with s3cr3t-pass now', ['s3cr3t-pass', 'true']),
      'connecting with [redacted] now',
    );
    assert.equal(sanitizeLine('flag is true', ['true']), 'flag is true');
  });

  it('caps huge lines', () => {
    const line = sanitizeLine('x'.repeat(MAX_LINE_LENGTH * 3));
    assert.ok(line.length < MAX_LINE_LENGTH + 50);
    assert.match(line, /line truncated/);
  });

  it('splits chunks into lines across chunk borders', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    splitter.push('a\nb');
    splitter.push('c\r\nd');
    splitter.end();
    assert.deepEqual(lines, ['a', 'bc', 'd']);
  });
});

describe('release command words', () => {
  it('splits on spaces and honours quotes, with no shell meaning for anything', () => {
    assert.deepEqual(splitCommand(`npm run migrate -- --name "add users" 'it''s' $(id); x`), [
      'npm',
      'run',
      'migrate',
      '--',
      '--name',
      'add users',
      'its',
      '$(id);',
      'x',
    ]);
    assert.throws(() => splitCommand('echo "open'), /unclosed quote/);
    assert.throws(() => splitCommand('   '), /empty/);
  });
});
