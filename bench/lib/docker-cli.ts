/**
 * The Docker CLI for baselines that leave Berth out entirely. Always argv arrays, never a shell.
 * DOCKER_BUILDKIT=0 selects the legacy builder, the one Berth drives through the API, so the two
 * builds do the same work.
 */
import { execFile } from 'node:child_process';

/** Runs `docker <args>`; resolves with trimmed stdout, rejects with stderr in the message. */
export function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'docker',
      args,
      { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`docker ${args[0]} failed: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout.trim());
      },
    );
  });
}
