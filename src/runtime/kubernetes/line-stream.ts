/**
 * A followed pod log as lines: the client opens the API's stream into a Writable (Log.log of
 * @kubernetes/client-node, called in client.ts), this splits it. Memory stays bounded: a line is passed on
 * as soon as it is complete, and a line longer than MAX_LOG_LINE_CHARS is passed on in pieces. Resolves
 * when the API ends the stream (the container stopped, the pod went) or the signal aborts (the request is
 * aborted then).
 */
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export const MAX_LOG_LINE_CHARS = 64 * 1024;

export async function followLines(
  open: (sink: Writable) => Promise<{ abort(): void }>,
  onLine: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return;
  let pending = '';
  // A character split between two chunks is joined, not replaced.
  const decoder = new StringDecoder('utf8');
  let finish = () => {};
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += decoder.write(chunk);
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      while (pending.length > MAX_LOG_LINE_CHARS) {
        onLine(pending.slice(0, MAX_LOG_LINE_CHARS));
        pending = pending.slice(MAX_LOG_LINE_CHARS);
      }
      done();
    },
    final(done) {
      pending += decoder.end();
      if (pending !== '') onLine(pending);
      pending = '';
      done();
      finish();
    },
  });
  sink.on('error', () => finish());
  const controller = await open(sink);
  const stop = () => {
    controller.abort();
    sink.destroy();
    finish();
  };
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await ended;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
