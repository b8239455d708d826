/**
 * Runs the real git client for push tests: argv arrays (never a shell), no prompts (GIT_TERMINAL_PROMPT=0,
 * so a missing password fails instead of hanging), no user config, a bounded time.
 *
 *   const work = await workingRepo(fixtureFiles('dockerfile-app'));       // a fresh repo with one commit
 *   const result = await git(['push', url, 'main'], { cwd: work });     // { code, output }
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitResult {
  code: number;
  output: string;
}

export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Pusher Person',
    GIT_AUTHOR_EMAIL: 'pusher@example.com',
    GIT_COMMITTER_NAME: 'Pusher Person',
    GIT_COMMITTER_EMAIL: 'pusher@example.com',
    LANG: 'C',
    ...extra,
  };
}

export function git(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: gitEnv(options.env),
        timeout: options.timeoutMs ?? 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** Writes files (relative path → content) into a directory. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** A new working repository on branch main with the files committed. */
export async function workingRepo(files: Record<string, string>, message = 'first'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-push-'));
  await mustGit(['init', '--quiet', '--initial-branch=main'], dir);
  await commitFiles(dir, files, message);
  return dir;
}

export async function commitFiles(dir: string, files: Record<string, string>, message: string): Promise<string> {
  writeFiles(dir, files);
  await mustGit(['add', '--all'], dir);
  await mustGit(['commit', '--quiet', '-m', message], dir);
  return (await mustGit(['rev-parse', 'HEAD'], dir)).trim();
}

export async function mustGit(args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  const result = await git(args, { cwd, env });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}):\n${result.output}`);
  return result.output;
}
