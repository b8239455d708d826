/**
 * The supervisor's end of the control channel: a unix socket (0600, in a 0700 directory) where a client
 * must first say hello with the token from the token file; until then every other message is refused and
 * a wrong token closes the connection. Messages are answered one at a time, in order.
 */
import { timingSafeEqual } from 'node:crypto';
import { chmodSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AppError, isAppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { MAX_LINE_BYTES, parseRequest, PROTOCOL_VERSION, type Request } from './control-protocol.js';
import { readJsonLines, writeJsonLine } from './json-lines.js';

/** Answers one authenticated request (never `hello`); throws AppError to reply with an error. */
export type RequestHandler = (request: Request) => Promise<Record<string, unknown>> | Record<string, unknown>;

export async function listenControl(
  socketPath: string,
  token: string,
  handle: RequestHandler,
  logger: Logger,
  /** More for the hello reply (the proxy's code version). */
  helloInfo: () => Record<string, unknown> = () => ({}),
): Promise<Server> {
  await removeStaleSocket(socketPath);
  const server = createServer((socket) => serveConnection(socket, token, handle, logger, helloInfo));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  return server;
}

/** A socket file nobody answers on is left over from a crash; one that answers belongs to a live proxy. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  const answers = await new Promise<boolean>((resolve) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answers) throw new AppError('CONFLICT', `a proxy is already running on ${socketPath}`);
  try {
    unlinkSync(socketPath);
  } catch {
    // Not there: nothing to remove.
  }
}

function serveConnection(
  socket: Socket,
  token: string,
  handle: RequestHandler,
  logger: Logger,
  helloInfo: () => Record<string, unknown>,
): void {
  let isAuthenticated = false;
  let queue = Promise.resolve();
  const expected = Buffer.from(token);
  socket.on('error', () => undefined);
  readJsonLines(socket, MAX_LINE_BYTES, (line) => {
    queue = queue.then(async () => {
      if (!line.ok) return reply(socket, null, failure('VALIDATION_FAILED', line.reason));
      const id = idOf(line.value);
      let request: Request;
      try {
        request = parseRequest(line.value);
      } catch (error) {
        return reply(socket, id, failure('VALIDATION_FAILED', messageOf(error)));
      }
      if (request.type === 'hello') {
        const given = Buffer.from(request.token);
        isAuthenticated = given.length === expected.length && timingSafeEqual(given, expected);
        if (isAuthenticated) return reply(socket, id, { ok: true, pid: process.pid, ...helloInfo() });
        logger.warn('a control client presented a wrong token');
        reply(socket, id, failure('UNAUTHENTICATED', 'wrong token'));
        socket.end();
        return;
      }
      if (!isAuthenticated) {
        reply(socket, id, failure('UNAUTHENTICATED', 'say hello with the token first'));
        socket.end();
        return;
      }
      try {
        reply(socket, id, { ok: true, ...(await handle(request)) });
      } catch (error) {
        reply(socket, id, failure(isAppError(error) ? error.code : 'INTERNAL', messageOf(error)));
      }
    });
  });
}

function reply(socket: Socket, id: number | null, body: Record<string, unknown>): void {
  writeJsonLine(socket, { v: PROTOCOL_VERSION, id, ...body });
}

function failure(code: string, message: string): Record<string, unknown> {
  return { ok: false, error: { code, message } };
}

function idOf(value: unknown): number | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isInteger(id) ? id : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
