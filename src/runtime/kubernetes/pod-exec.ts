/**
 * Docker-exec semantics (src/runtime/runtime.ts ExecOptions) for a command in a pod's container: an
 * environment, a user, stdin streamed in and closed, stdout streamed or captured, stderr captured. The
 * Kubernetes exec API has none of env, user or end-of-stdin (before protocol v5), so:
 * - stdin is first spooled to a local temporary file (its size is then known) and written into the
 *   container with `dd ... count=<size> iflag=count_bytes`, which stops by itself at the end; the command
 *   then reads that file as its stdin;
 * - the environment is written the same way, as a shell file only root can read, sourced and removed
 *   before the command starts, so passwords never appear in the exec request's argv (API server logs);
 * - the user is set with setpriv (util-linux, in the official database images) after root opened the files.
 * Staged files live in /tmp of the container and are removed before the command runs.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.js';
import type { ExecOptions, ExecResult } from '../runtime.js';
import type { StatefulClient } from './client-stateful.js';

const CAPTURE_LIMIT = 256 * 1024;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** $1 env file or -, $2 stdin file or -, $3 user or -, then the command's argv. Never interpolates argv. */
const RUNNER = [
  'set -e',
  'e=$1; i=$2; u=$3; shift 3',
  'if [ "$e" != - ]; then set -a; . "$e"; set +a; rm -f "$e"; fi',
  'if [ "$i" != - ]; then exec <"$i"; rm -f "$i"; fi',
  'if [ "$u" = - ]; then exec "$@"; fi',
  'exec setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"',
].join('\n');

const STAGER = 'umask 077; exec dd of="$1" bs=65536 iflag=fullblock,count_bytes count="$2" status=none';

function capture(): { sink: Writable; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (size < CAPTURE_LIMIT) chunks.push(chunk.subarray(0, CAPTURE_LIMIT - size));
      size += chunk.length;
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export function envFileText(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!ENV_KEY.test(key)) throw new AppError('VALIDATION_FAILED', `"${key}" is not a variable name`);
      return `${key}=${quote(value)}\n`;
    })
    .join('');
}

export interface PodTarget {
  namespace: string;
  pod: string;
  container: string;
}

export class PodExec {
  constructor(private readonly client: StatefulClient) {}

  async exec(target: PodTarget, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (options.user !== undefined && !USER.test(options.user))
      throw new AppError('VALIDATION_FAILED', `"${options.user}" is not a user name`);
    const tag = randomBytes(6).toString('hex');
    const envFile = options.env && Object.keys(options.env).length > 0 ? `/tmp/.berth-env-${tag}` : '-';
    const inFile = options.stdin ? `/tmp/.berth-in-${tag}` : '-';
    if (envFile !== '-') await this.stage(target, envFile, Buffer.from(envFileText(options.env!)));
    if (options.stdin) await this.stageStream(target, inFile, options.stdin);
    options.signal?.throwIfAborted();
    const out = capture();
    const err = capture();
    const exitCode = await this.client.exec(
      target.namespace,
      target.pod,
      target.container,
      ['sh', '-c', RUNNER, 'berth-exec', envFile, inFile, options.user ?? '-', ...argv],
      { stdout: (options.stdout as Writable | undefined) ?? out.sink, stderr: err.sink },
    );
    return { exitCode, stdout: options.stdout ? '' : out.text(), stderr: err.text() };
  }

  /** Writes bytes to a file in the container (mode 600, root's). */
  async stage(target: PodTarget, path: string, content: Buffer): Promise<void> {
    await this.write(target, path, Readable.from([content]), content.length);
  }

  private async stageStream(target: PodTarget, path: string, input: NodeJS.ReadableStream): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-pod-exec-'));
    try {
      const spool = join(dir, 'stdin');
      await pipeline(input, createWriteStream(spool, { mode: 0o600 }));
      await this.write(target, path, createReadStream(spool), (await stat(spool)).size);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async write(target: PodTarget, path: string, input: Readable, size: number): Promise<void> {
    const err = capture();
    const exitCode = await this.client.exec(
      target.namespace,
      target.pod,
      target.container,
      ['sh', '-c', STAGER, 'berth-stage', path, String(size)],
      { stdout: capture().sink, stderr: err.sink, stdin: size > 0 ? input : undefined },
    );
    if (exitCode !== 0)
      throw new AppError('KUBERNETES_ERROR', `could not copy input into pod ${target.pod}: ${err.text().trim()}`);
  }
}
