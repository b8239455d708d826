/** The web terminal's rules: command words (argv, allow-listed characters), resize messages, settings, permission. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { parseTerminalCommand } from '../../src/terminal/terminal-command.js';
import { parseResize } from '../../src/terminal/terminal-session.js';
import { decideProject } from '../../src/auth/access-policy.js';

describe('terminal command', () => {
  it('is /bin/sh when empty, else the words as argv', () => {
    assert.deepEqual(parseTerminalCommand(undefined), ['/bin/sh']);
    assert.deepEqual(parseTerminalCommand('   '), ['/bin/sh']);
    assert.deepEqual(parseTerminalCommand('bin/rails  console -e=production'), [
      'bin/rails',
      'console',
      '-e=production',
    ]);
    assert.deepEqual(parseTerminalCommand('node --max-old-space-size=64 /app/repl.js'), [
      'node',
      '--max-old-space-size=64',
      '/app/repl.js',
    ]);
  });

  it('refuses shell syntax, quotes, options first and overlong commands', () => {
    for (const bad of [
      'sh -c "id"',
      "sh -c 'id'",
      'id; reboot',
      'echo $HOME',
      'cat /etc/passwd | nc x 1',
      'a && b',
      'echo `id`',
      'echo $(id)',
      'ls > /tmp/x',
      'ls\ttab',
      'ls\nid',
      '--help',
      'x'.repeat(201),
      Array.from({ length: 17 }, () => 'a').join(' '),
    ]) {
      assert.throws(() => parseTerminalCommand(bad), { code: 'VALIDATION_FAILED' }, bad);
    }
  });
});

describe('terminal resize message', () => {
  it('reads a resize, clamped; anything else is ignored', () => {
    assert.deepEqual(parseResize('{"type":"resize","cols":120,"rows":40}'), { cols: 120, rows: 40 });
    assert.deepEqual(parseResize('{"type":"resize","cols":99999,"rows":0}'), { cols: 500, rows: 1 });
    assert.equal(parseResize('{"type":"resize","cols":1.5,"rows":2}'), undefined);
    assert.equal(parseResize('{"type":"resize","cols":"80","rows":24}'), undefined);
    assert.equal(parseResize('{"type":"input","data":"x"}'), undefined);
    assert.equal(parseResize('not json'), undefined);
    assert.equal(parseResize('null'), undefined);
  });
});

describe('terminal settings', () => {
  it('default to 15 minutes idle and 4 hours at most, and refuse nonsense', () => {
    assert.deepEqual(loadConfig({}).terminal, { idleTimeoutMs: 15 * 60_000, maxSessionMs: 4 * 3_600_000 });
    assert.deepEqual(loadConfig({ BERTH_TERMINAL_IDLE_SECONDS: '30', BERTH_TERMINAL_MAX_SECONDS: '600' }).terminal, {
      idleTimeoutMs: 30_000,
      maxSessionMs: 600_000,
    });
    assert.throws(() => loadConfig({ BERTH_TERMINAL_IDLE_SECONDS: '0' }), /BERTH_TERMINAL_IDLE_SECONDS/);
    assert.throws(() => loadConfig({ BERTH_TERMINAL_MAX_SECONDS: '1h' }), /BERTH_TERMINAL_MAX_SECONDS/);
  });
});

describe('the terminal in the permission table', () => {
  const user = { id: 'usr_1', email: 'a@example.com', role: 'member' as const, createdAt: '' };
  const token = (readOnly: boolean) => ({
    id: 'tok_1',
    userId: 'usr_1',
    name: 't',
    prefix: 'p',
    createdAt: '',
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: null,
    projectId: null,
    role: 'admin' as const,
    readOnly,
  });

  it('is for developers and admins; a viewer is refused, an outsider sees nothing, a read-only token never', () => {
    assert.equal(decideProject({ user }, 'project.terminal', 'prj_1', 'developer', 'GET'), 'allow');
    assert.equal(decideProject({ user }, 'project.terminal', 'prj_1', 'admin', 'GET'), 'allow');
    assert.equal(decideProject({ user }, 'project.terminal', 'prj_1', 'viewer', 'GET'), 'forbidden');
    assert.equal(decideProject({ user }, 'project.terminal', 'prj_1', undefined, 'GET'), 'not-found');
    assert.equal(decideProject({ user, token: token(false) }, 'project.terminal', 'prj_1', 'admin', 'GET'), 'allow');
    assert.equal(decideProject({ user, token: token(true) }, 'project.terminal', 'prj_1', 'admin', 'GET'), 'forbidden');
    assert.equal(decideProject({ user, token: token(true) }, 'project.read', 'prj_1', 'admin', 'GET'), 'allow');
  });
});
