/**
 * Runs a command inside a running container (docker exec) with argv, never a shell string. stdin is
 * streamed in over the hijacked connection and closed at its end; stdout either streams to the caller
 * (dumps of any size) or is captured; stderr is always captured, capped, for error messages.
 */
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExecOptions, ExecResult } from '../runtime.js';
import { demuxStream, type DockerClient } from './client.js';

/** Enough for a tool's error message or a query's small answer; a dump goes to options.stdout. */
const CAPTURE_LIMIT = 256 * 1024;

function capture(limit: number): { sink: Writable; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (size < limit) chunks.push(chunk.subarray(0, limit - size));
      size += chunk.length;
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function execInContainer(
  d: DockerClient,
  id: string,
  argv: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const exec = await d.getContainer(id).exec({
    Cmd: argv,
    Env: options.env && Object.entries(options.env).map(([k, v]) => `${k}=${v}`),
    User: options.user,
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
  const out = capture(CAPTURE_LIMIT);
  const err = capture(CAPTURE_LIMIT);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  demuxStream(d, stream, stdout, stderr);
  stderr.pipe(err.sink);
  const stdoutDone = options.stdout ? pipeline(stdout, options.stdout as Writable) : pipeline(stdout, out.sink);

  const onAbort = (): void => {
    stream.destroy(new Error('cancelled'));
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.stdin) {
      // end() half-closes the hijacked socket: the command sees EOF on its stdin.
      options.stdin.on('error', (e: Error) => stream.destroy(e));
      options.stdin.pipe(stream);
    }
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    stdout.end();
    stderr.end();
    await stdoutDone;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, stdout: out.text(), stderr: err.text() };
}
