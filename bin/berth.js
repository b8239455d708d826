#!/usr/bin/env -S node --max-semi-space-size=2
// The daemon's V8 flags: a small young generation keeps the idle daemon ~35 MB smaller. The same
// flags are in package.json's `start` script and the Dockerfile's ENTRYPOINT; the shebang above gives
// them to `berth serve` started directly. Started as `node bin/berth.js serve` without them, this file
// starts the daemon again with them (V8 reads them only when the process starts) and passes signals
// and the exit code through.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const DAEMON_FLAGS = ['--max-semi-space-size=2'];

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const needsFlags = args[0] === 'serve' && !DAEMON_FLAGS.every((flag) => process.execArgv.includes(flag));

if (needsFlags) {
  // The IPC channel only tells the daemon when this launcher is gone (see below).
  const child = spawn(process.execPath, [...DAEMON_FLAGS, ...process.execArgv, self, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // Die of the same signal, as a shell or service manager expects.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
} else {
  if (process.channel) {
    // Started by the launcher above: die with it (a SIGKILLed launcher must not leave a daemon behind,
    // holding the data dir). The daemon ends by process.exit, so the open channel keeps nothing alive.
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  }
  // In a checkout (src/ present) run the TypeScript sources through tsx, so a stale dist/ never runs;
  // the container image ships only the compiled dist/.
  const root = join(dirname(self), '..');
  const source = join(root, 'src', 'cli.ts');
  if (existsSync(source)) {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(source).href);
  } else {
    await import(pathToFileURL(join(root, 'dist', 'cli.js')).href);
  }
}
