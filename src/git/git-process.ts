/**
 * Runs git (and tar) for the built-in remote: argv arrays only, a minimal environment (no inherited
 * GIT_* variables, no user or system config), bounded output. The one place this feature spawns git.
 */
import { spawnProgram as spawn, type RunningProgram } from '../lib/exec.js';

/** PATH plus git settings that keep a server-side git from reading anyone's config. */
export function baseGitEnv(home: string): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C',
  };
}

export function spawnGit(args: string[], env: Record<string, string>, cwd?: string): RunningProgram {
  return spawn('git', args, { env, cwd });
}

/** Runs git to completion; resolves stdout (capped at 1 MB), rejects with stderr on a non-zero exit. */
export function runGit(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { env });
    child.stdin.end();
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (out.length < 1024 * 1024) out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (err.length < 64 * 1024) err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`git ${args[0]} failed: ${err.trim() || `exit ${code}`}`)),
    );
  });
}

/** `git archive <sha> | tar -x -C dir`: the tree of one commit, without .git, into an empty directory. */
export function exportTree(sha: string, dir: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', sha], { env });
    archive.stdin.end();
    const tar = spawn('tar', ['-x', '--no-same-owner', '--no-same-permissions', '-C', dir], {
      env: { PATH: env.PATH ?? '/usr/bin:/bin' },
    });
    tar.stdout.resume();
    archive.stdout.pipe(tar.stdin);
    let err = '';
    const collect = (chunk: Buffer) => {
      if (err.length < 8192) err += chunk.toString('utf8');
    };
    archive.stderr.on('data', collect);
    tar.stderr.on('data', collect);
    let pending = 2;
    let failed = false;
    const done = (code: number | null) => {
      if (code !== 0) failed = true;
      if (--pending > 0) return;
      if (failed) reject(new Error(err.trim() || 'git archive failed'));
      else resolve();
    };
    archive.on('close', done);
    tar.on('close', done);
    archive.on('error', reject);
    tar.on('error', reject);
  });
}

export function killQuietly(child: RunningProgram): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
