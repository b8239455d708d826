/**
 * The daemon's end of the control channel: connects to the proxy's unix socket, says hello with the
 * token, then sends requests in order and matches replies by id. A reply with ok=false rejects with an
 * AppError carrying the proxy's code. When the connection ends every pending request is rejected.
 */
import { connect, type Socket } from 'node:net';
import { AppError } from '../../errors.js';
import { MAX_LINE_BYTES, PROTOCOL_VERSION } from './control-protocol.js';
import { readJsonLines, writeJsonLine } from './json-lines.js';

type Reply = Record<string, unknown> & { ok: boolean; error?: { code: string; message: string } };

export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private isClosed = false;
  /** The proxy's answer to hello: its pid and code version. */
  hello: Record<string, unknown> = {};

  private constructor(
    private readonly socket: Socket,
    onClose: () => void,
  ) {
    readJsonLines(socket, MAX_LINE_BYTES, (line) => {
      if (!line.ok) return;
      const reply = line.value as Reply & { id?: number };
      const waiter = typeof reply.id === 'number' ? this.pending.get(reply.id) : undefined;
      if (!waiter) return;
      this.pending.delete(reply.id!);
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(new AppError('INTERNAL', `proxy: ${reply.error?.code}: ${reply.error?.message}`));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      for (const waiter of this.pending.values())
        waiter.reject(new AppError('INTERNAL', 'the proxy connection closed'));
      this.pending.clear();
      onClose();
    });
  }

  /** Connects and authenticates; rejects when nothing answers or the token is refused. */
  static async open(socketPath: string, token: string, onClose: () => void = () => undefined): Promise<ControlClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const attempt = connect(socketPath);
      attempt.once('connect', () => {
        attempt.off('error', reject);
        resolve(attempt);
      });
      attempt.once('error', reject);
    });
    const client = new ControlClient(socket, onClose);
    try {
      client.hello = await client.request({ type: 'hello', token });
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  get connected(): boolean {
    return !this.isClosed;
  }

  request(body: Record<string, unknown> & { type: string }): Promise<Reply> {
    if (this.isClosed) return Promise.reject(new AppError('INTERNAL', 'the proxy connection is closed'));
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      writeJsonLine(this.socket, { v: PROTOCOL_VERSION, id, ...body });
    });
  }

  close(): void {
    this.socket.end();
  }
}
