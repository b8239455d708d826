/**
 * The developer commands' small rules: argument parsing (unknown flags and extra arguments are usage
 * errors), the exit code of each kind of error, the server URL check, the client settings' config dir,
 * and the .env reader of `berth vars import`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand, parseServiceRef } from '../../src/cli-client/arguments.js';
import { normalizeServer } from '../../src/cli-client/api-client.js';
import { EXIT, exitCodeOf } from '../../src/cli-client/exit-codes.js';
import { parseDotenv } from '../../src/cli-client/dotenv-file.js';
import { CLIENT_COMMANDS, isClientCommand } from '../../src/cli-client/commands.js';
import { readCliClientSettings } from '../../src/config-cli.js';
import { Output } from '../../src/cli-client/output.js';
import { Writable } from 'node:stream';
import { AppError } from '../../src/errors.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClientCommand, type ClientIo } from '../../src/cli-client/client-main.js';
import { writeLink } from '../../src/cli-client/link-file.js';

/** Streams a command writes to, kept in memory. */
function captureIo(): ClientIo & { stdoutText(): string } {
  let text = '';
  const sink = () =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
  const stdin = (async function* (): AsyncGenerator<string> {})();
  return { stdout: sink(), stderr: sink(), stdin, stdoutText: () => text };
}

const usage = (fn: () => unknown) => assert.throws(fn, (error: unknown) => exitCodeOf(error) === EXIT.usage);

describe('developer command arguments', () => {
  it('takes --json on every command and the options the command declares', () => {
    const parsed = parseCommand('logs', ['-f', '--tail', '5', '--json'], {
      follow: { type: 'boolean', short: 'f' },
      tail: { type: 'string' },
    });
    assert.equal(parsed.json, true);
    assert.equal(parsed.values.follow, true);
    assert.equal(parsed.values.tail, '5');
  });

  it('refuses unknown options and extra arguments as usage errors (exit 2)', () => {
    usage(() => parseCommand('status', ['--nope']));
    usage(() => parseCommand('status', ['extra']));
    usage(() => parseCommand('link', ['a/b', 'c/d'], {}, 1));
    assert.deepEqual(parseCommand('link', ['a/b'], {}, 1).positionals, ['a/b']);
  });

  it('reads <project>/<service> with Berth names only', () => {
    assert.deepEqual(parseServiceRef('shop/web'), { project: 'shop', service: 'web' });
    for (const bad of [undefined, 'shop', 'shop/', '/web', 'Shop/web', 'shop/web/x', '../x/y', 'shop/-web'])
      usage(() => parseServiceRef(bad));
  });

  it('maps errors to exit codes: 2 usage, 3 auth, 4 not found, 1 otherwise', () => {
    assert.equal(exitCodeOf(new AppError('BAD_REQUEST', 'x')), EXIT.usage);
    assert.equal(exitCodeOf(new AppError('UNAUTHENTICATED', 'x')), EXIT.auth);
    assert.equal(exitCodeOf(new AppError('FORBIDDEN', 'x')), EXIT.auth);
    assert.equal(exitCodeOf(new AppError('NOT_FOUND', 'x')), EXIT.notFound);
    assert.equal(exitCodeOf(new AppError('CONFLICT', 'x')), EXIT.failure);
    assert.equal(exitCodeOf(new Error('boom')), EXIT.failure);
  });

  it('accepts http(s) server URLs only, without credentials, and drops a trailing slash', () => {
    assert.equal(normalizeServer('https://berth.example.com/'), 'https://berth.example.com');
    assert.equal(normalizeServer('http://127.0.0.1:3000'), 'http://127.0.0.1:3000');
    assert.equal(normalizeServer('https://example.com/berth/'), 'https://example.com/berth');
    for (const bad of ['berth.example.com', 'ftp://x', 'https://user:pw@x', 'https://x/?a=1', 'file:///etc/passwd'])
      usage(() => normalizeServer(bad));
  });

  it('knows its commands apart from the server ones', () => {
    for (const command of CLIENT_COMMANDS) assert.equal(isClientCommand(command), true);
    for (const command of ['serve', 'admin', 'token', 'backup', 'help', undefined])
      assert.equal(isClientCommand(command), false);
  });

  it('keeps credentials in BERTH_CLI_CONFIG_DIR, else $XDG_CONFIG_HOME/berth, else ~/.config/berth', () => {
    assert.equal(readCliClientSettings({ BERTH_CLI_CONFIG_DIR: 'cfg' }, '/home/a', '/work').configDir, '/work/cfg');
    assert.equal(readCliClientSettings({ XDG_CONFIG_HOME: '/xdg' }, '/home/a', '/w').configDir, '/xdg/berth');
    assert.equal(
      readCliClientSettings({ XDG_CONFIG_HOME: 'relative' }, '/home/a', '/w').configDir,
      '/home/a/.config/berth',
    );
    assert.equal(readCliClientSettings({}, '/home/a', '/w').configDir, '/home/a/.config/berth');
  });

  it('reads .env files for `vars import`', () => {
    const text = [
      '# a comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      "SINGLE='keep $ and \\n'",
      'DOUBLE="line1\\nline2"',
      'TRAILING=abc # note',
      'EMPTY=',
      '',
    ].join('\n');
    assert.deepEqual(parseDotenv(text, '.env'), {
      PLAIN: 'value',
      EXPORTED: 'yes',
      SINGLE: 'keep $ and \\n',
      DOUBLE: 'line1\nline2',
      TRAILING: 'abc',
      EMPTY: '',
    });
    assert.throws(() => parseDotenv('1BAD=x', '.env'), /\.env:1: expected KEY=value/);
    assert.throws(() => parseDotenv('ok=1\nno equals', '.env'), /\.env:2/);
  });

  it('draws a progress line on a terminal only, and prints one JSON document with --json', () => {
    const sink = (isTTY: boolean) => {
      let text = '';
      const stream = Object.assign(
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            text += chunk.toString();
            done();
          },
        }),
        { isTTY },
      );
      return { stream, text: () => text };
    };
    for (const isTTY of [true, false]) {
      const stdout = sink(isTTY);
      const out = new Output({ stdout: stdout.stream, stderr: sink(false).stream }, false);
      out.progress('[building] 3s');
      out.say('Step 1/4');
      out.progress(undefined);
      out.json({ ignored: true });
      if (isTTY) assert.equal(stdout.text(), '[building] 3s\r\u001b[2KStep 1/4\n[building] 3s\r\u001b[2K');
      else assert.equal(stdout.text(), 'Step 1/4\n');
    }
    const stdout = sink(true);
    const out = new Output({ stdout: stdout.stream, stderr: sink(false).stream }, true);
    out.progress('[building]');
    out.say('words');
    out.json({ ok: true });
    assert.deepEqual(JSON.parse(stdout.text()), { ok: true });
  });
});

describe('berth unlink', () => {
  it('removes the link of the nearest linked directory, and says when nothing is linked', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-unlink-'));
    try {
      const link = {
        server: 'https://b.example',
        projectId: 'prj_1',
        project: 'shop',
        serviceId: 'svc_1',
        service: 'web',
      };
      await writeLink(root, link);
      const sub = join(root, 'src');
      mkdirSync(sub);
      const io = captureIo();
      const settings = { configDir: join(root, 'config'), cwd: sub };
      assert.equal(await runClientCommand('unlink', [], settings as never, io), 0);
      assert.match(io.stdoutText(), /Unlinked .* \(shop\/web\)/);
      assert.equal(existsSync(join(root, '.berth')), false, 'nothing of the link is left');
      const again = captureIo();
      assert.equal(await runClientCommand('unlink', [], settings as never, again), 0);
      assert.match(again.stdoutText(), /Nothing is linked here/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
