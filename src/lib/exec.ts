/**
 * The one place programs are started: argv arrays only, never a shell (`shell` is always false), an explicit
 * environment, and all three standard streams piped so callers stream input and output.
 */
import { spawn as nodeSpawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export type RunningProgram = ChildProcessWithoutNullStreams;

export function spawnProgram(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string },
): RunningProgram {
  return nodeSpawn(command, args, { env: options.env, cwd: options.cwd, stdio: 'pipe', shell: false });
}

/** Runs a program to its end, stdin closed; stdout and stderr together, capped at the last 64 KiB. */
export async function runProgram(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string> },
): Promise<{ exitCode: number; output: string }> {
  const child = spawnProgram(command, args, options);
  child.stdin.end();
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ exitCode: 127, output: error.message }));
    child.once('close', (code) => resolve({ exitCode: code ?? 1, output }));
  });
}

/** Starts a long-running program in its own session, output appended to `logFile`, and lets it outlive Berth. */
export function startDetached(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; logFile: string },
): void {
  const log = openSync(options.logFile, 'a', 0o600);
  try {
    const child = nodeSpawn(command, args, {
      env: options.env,
      stdio: ['ignore', log, log],
      detached: true,
      shell: false,
    });
    child.on('error', () => undefined);
    child.unref();
  } finally {
    closeSync(log);
  }
}
