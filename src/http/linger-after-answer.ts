/**
 * Answer a request whose body is still arriving, then read and throw away the rest before the connection is
 * reused or closed (nginx calls this a lingering close). Closing a socket with unread bytes makes the kernel
 * send a reset, and a client still busy sending (curl, fetch with a streamed body, `berth up`) can lose the
 * answer it was sent: it sees "connection reset" instead of the 413 that says why.
 *
 * Bounded, so a client that never stops sending cannot keep the connection: after LINGER_MS or LINGER_BYTES
 * more, the socket is closed anyway. The answer carries no `connection: close`: once the body has been read to
 * its end the connection is as good as any other keep-alive one (Node's parser has kept framing it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

export const LINGER_MS = 5_000;
export const LINGER_BYTES = 32 * 1024 * 1024;
const CHECK_EVERY_MS = 100;

export interface LingerLimits {
  ms: number;
  bytes: number;
}

/** Call before (or while) sending an answer to a request whose body may not have been read to its end. */
export function lingerAfterAnswer(
  request: IncomingMessage,
  response: ServerResponse,
  limits: LingerLimits = { ms: LINGER_MS, bytes: LINGER_BYTES },
): void {
  response.once('finish', () => {
    const socket = request.socket;
    // (app.inject's requests have no real socket and nothing to linger for)
    if (request.complete || !(socket instanceof Socket) || socket.destroyed) return;
    const startedAt = Date.now();
    const bytesAtAnswer = socket.bytesRead;
    const check = setInterval(() => {
      const tooLong = Date.now() - startedAt > limits.ms;
      const tooMuch = socket.bytesRead - bytesAtAnswer > limits.bytes;
      if (tooLong || tooMuch) {
        stop();
        socket.destroy();
      }
    }, CHECK_EVERY_MS);
    check.unref();
    const stop = () => clearInterval(check);
    request.once('end', stop);
    request.once('close', stop);
    socket.once('close', stop);
    // Nobody reads the body any more (a parser that gave up unpiped it): let it flow to nowhere.
    request.resume();
  });
}
