/**
 * The daemon's end of the pre-receive hook: a unix socket in the data dir (0600, reachable only by the
 * daemon's user, never over the network). A hook sends one JSON line (push token, ref updates, quarantine
 * path); the daemon answers with text lines and ends with the exit status (EXIT_MARKER).
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../logger.js';
import { EXIT_MARKER } from './pre-receive-hook.js';
import { parseUpdates, type PushReceiver } from './push-receiver.js';
import type { PushSessions } from './push-sessions.js';

const MAX_REQUEST_BYTES = 512 * 1024;

export class HookSocket {
  private server: Server | undefined;
  /** Open hook connections: closed at shutdown so a hook waiting on a deploy cannot hold the daemon up. */
  private readonly connections = new Set<Socket>();

  constructor(
    readonly path: string,
    private readonly sessions: PushSessions,
    private readonly receiver: PushReceiver,
    private readonly logger: Logger,
  ) {}

  async listen(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    rmSync(this.path, { force: true }); // a socket file left by a daemon that was killed
    const server = createServer((socket) => this.handle(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.connections) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private handle(socket: Socket): void {
    let buffer = '';
    const controller = new AbortController();
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    this.connections.add(socket);
    socket.on('close', () => {
      this.connections.delete(socket);
      controller.abort();
    });
    const onData = (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end < 0) {
        if (buffer.length > MAX_REQUEST_BYTES) socket.destroy();
        return;
      }
      socket.off('data', onData);
      void this.answer(socket, buffer.slice(0, end), controller.signal);
    };
    socket.on('data', onData);
  }

  private async answer(socket: Socket, raw: string, signal: AbortSignal): Promise<void> {
    const say = (line: string) => {
      if (!socket.destroyed) socket.write(`${line.replace(/[\r\n]/g, ' ').replaceAll(EXIT_MARKER[0]!, ' ')}\n`);
    };
    let code = 1;
    try {
      const request = JSON.parse(raw) as { token?: unknown; updates?: unknown; quarantinePath?: unknown };
      const session = this.sessions.take(request.token);
      const updates = parseUpdates(request.updates);
      const quarantine = typeof request.quarantinePath === 'string' ? request.quarantinePath : null;
      if (!session) say('This push is not known to Berth (its token was missing or already used).');
      else if (!updates) say('Berth could not read the pushed ref updates.');
      else code = await this.receiver.receive(session, updates, quarantine, say, signal);
    } catch (error) {
      this.logger.error({ err: error }, 'git push hook failed');
      say('Berth failed while deciding this push; nothing was deployed. The details are in the Berth log.');
      code = 1;
    }
    if (!socket.destroyed) socket.end(`${EXIT_MARKER}${code}\n`);
  }
}
