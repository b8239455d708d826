/**
 * A container's stdout and stderr as lines. Non-TTY containers multiplex both into one framed stream,
 * split here with the engine's demuxer; TTY containers send raw bytes. Following ends when the container
 * stops (the engine closes the stream) or the signal aborts; every stream involved has an error
 * listener, so a vanished engine ends the read instead of crashing the process.
 */
import { Writable, type Readable } from 'node:stream';
import type { LogOptions, LogStream } from '../runtime.js';
import { demuxStream, openLogStream, type DockerClient } from './client.js';
import { LineSplitter } from './line-splitter.js';

function lineWriter(lines: LineSplitter): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk);
      done();
    },
  });
}

export async function containerLogs(
  d: DockerClient,
  id: string,
  options: LogOptions,
  onLine: (line: string, stream: LogStream) => void,
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) return;
  const info = await d.getContainer(id).inspect();
  let source: Readable;
  try {
    source = await openLogStream(d, id, {
      follow: options.follow,
      tail: options.tail,
      since: options.since,
      timestamps: options.timestamps,
      signal,
    });
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  }
  // Each stream gets its own splitter: interleaved chunks must not glue half lines together.
  const outLines = new LineSplitter((line) => onLine(line, 'stdout'));
  const errLines = new LineSplitter((line) => onLine(line, 'stderr'));
  if (info.Config.Tty) {
    source.on('data', (chunk: Buffer) => outLines.push(chunk));
  } else {
    // Plain writables whose write runs synchronously, so nothing is still buffered when the source ends.
    demuxStream(d, source, lineWriter(outLines), lineWriter(errLines));
  }

  const failure = await new Promise<unknown>((resolve) => {
    let settled = false;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(err);
    };
    const onAbort = (): void => {
      finish();
      source.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    source.on('error', (err) => finish(err));
    source.on('end', () => finish());
    source.on('close', () => finish());
    if (signal?.aborted) onAbort();
  });
  source.destroy();
  outLines.end();
  errLines.end();
  // An abort is the caller ending the read on purpose, whatever error the torn stream reported.
  if (failure !== undefined && !signal?.aborted) throw failure;
}
