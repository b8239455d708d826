/**
 * The one place programs are started: argv arrays only, never a shell (`shell` is always false), an explicit
 * environment, and all three standard streams piped so callers stream input and output.
 */
import { spawn as nodeSpawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export type RunningProgram = ChildProcessWithoutNullStreams;

export function spawnProgram(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string },
): RunningProgram {
  return nodeSpawn(command, args, { env: options.env, cwd: options.cwd, stdio: 'pipe', shell: false });
}
