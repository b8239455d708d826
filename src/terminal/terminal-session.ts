/**
 * One web terminal session: the bytes between the panel's WebSocket and a TTY exec in the container.
 * Binary frames are keystrokes in and terminal output out, as they are (never decoded, so any byte
 * survives); text frames are small JSON control messages (resize in; open, exit and closing notes out).
 *
 * Bounded: output waits (the exec stream is paused) while the socket has MAX_OUTPUT_BACKLOG unsent, input
 * beyond MAX_INPUT_BACKLOG not yet taken by the engine ends the session. It ends after `idleTimeoutMs`
 * without input or output, after `maxSessionMs` in any case, when the command exits, or when the socket
 * closes; the command is then hung up (see runtime/docker/terminal-exec.ts), never left running on purpose.
 */
import type { TerminalExec } from '../runtime/runtime.js';

export const MAX_OUTPUT_BACKLOG = 1024 * 1024;
export const MAX_INPUT_BACKLOG = 256 * 1024;
/** Keystrokes typed before the command started are kept up to this much. */
const MAX_EARLY_INPUT = 16 * 1024;
const DRAIN_POLL_MS = 50;
export const MAX_COLS = 500;
export const MAX_ROWS = 200;

/** Close codes the page explains (4000–4999 are the application's own). */
export const CLOSE = { exited: 1000, idle: 4001, maxLength: 4002, inputBacklog: 4003, failed: 4004 } as const;

export interface TerminalSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: Buffer | string, options?: { binary?: boolean }): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
}

export interface TerminalLimits {
  idleTimeoutMs: number;
  maxSessionMs: number;
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface SessionEnd {
  exitCode: number | null;
  /** exited, closed (by the person), idle, max-length, input-backlog, failed */
  reason: string;
  durationMs: number;
  /** The command was still running after the hang-up (the engine cannot kill an exec). */
  stillRunning: boolean;
}

/** A resize message's size, clamped; undefined for anything else. */
export function parseResize(text: string): TerminalSize | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = message as { type?: unknown; cols?: unknown; rows?: unknown };
  if (m?.type !== 'resize' || !Number.isInteger(m.cols) || !Number.isInteger(m.rows)) return undefined;
  return clampSize({ cols: m.cols as number, rows: m.rows as number });
}

export function clampSize(size: TerminalSize): TerminalSize {
  return {
    cols: Math.max(1, Math.min(MAX_COLS, Math.floor(size.cols))),
    rows: Math.max(1, Math.min(MAX_ROWS, Math.floor(size.rows))),
  };
}

export class TerminalSession {
  private exec: TerminalExec | undefined;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private size: TerminalSize;
  private reason: string | undefined;
  private readonly startedAt = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private socketClosed = false;
  private finished!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  /** Listens at once: the page's first resize and keystrokes may arrive before the command starts. */
  constructor(
    private readonly socket: TerminalSocket,
    private readonly limits: TerminalLimits,
    size: TerminalSize,
  ) {
    this.size = clampSize(size);
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => {
      this.socketClosed = true;
      this.end('closed');
    });
    socket.on('error', () => this.end('closed'));
  }

  get initialSize(): TerminalSize {
    return this.size;
  }

  isClosed(): boolean {
    return this.socketClosed || this.reason !== undefined;
  }

  /** Pumps bytes until the session ends; resolves once the command was hung up. */
  async run(exec: TerminalExec, note: Record<string, unknown>): Promise<SessionEnd> {
    this.exec = exec;
    const stream = exec.stream;
    this.sendText({ type: 'open', ...note });
    stream.on('data', (chunk: Buffer) => this.onOutput(chunk));
    stream.on('end', () => this.end('exited'));
    stream.on('close', () => this.end('exited'));
    stream.on('error', () => this.end('failed'));
    // A command that ends at once (`touch x`) may have closed the connection before these listeners were
    // attached: its 'end' or 'close' already happened and will not come again.
    if (stream.readableEnded || stream.destroyed || (stream as { closed?: boolean }).closed) this.end('exited');
    for (const chunk of this.early) stream.write(chunk);
    this.early = [];
    void exec.resize(this.size.cols, this.size.rows).catch(() => undefined);
    this.maxTimer = setTimeout(() => this.end('max-length'), this.limits.maxSessionMs);
    this.touch();
    if (this.socketClosed) this.end('closed');
    await this.done;
    this.clearTimers();
    const state = await exec.hangUp();
    const exitCode = state.running ? null : state.exitCode;
    const reason = this.reason ?? 'closed';
    if (reason === 'exited') this.sendText({ type: 'exit', code: exitCode });
    this.closeSocket(reason, exitCode);
    return { exitCode, reason, durationMs: Date.now() - this.startedAt, stillRunning: state.running };
  }

  /** Ends a session whose command could not start (nothing runs; the page is told why). */
  fail(message: string): void {
    this.sendText({ type: 'error', message });
    this.reason = 'failed';
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(CLOSE.failed, 'could not start');
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.reason) return;
    if (!isBinary) {
      const size = parseResize(data.toString('utf8'));
      if (!size) return;
      this.size = size;
      if (this.exec) void this.exec.resize(size.cols, size.rows).catch(() => undefined);
      return;
    }
    this.touch();
    if (!this.exec) {
      if (this.earlyBytes + data.length <= MAX_EARLY_INPUT) {
        this.early.push(data);
        this.earlyBytes += data.length;
      }
      return;
    }
    if (this.exec.stream.writableLength > MAX_INPUT_BACKLOG) return this.end('input-backlog');
    this.exec.stream.write(data);
  }

  private onOutput(chunk: Buffer): void {
    this.touch();
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(chunk, { binary: true });
    if (this.socket.bufferedAmount > MAX_OUTPUT_BACKLOG && !this.drainTimer) {
      const stream = this.exec!.stream;
      stream.pause();
      this.drainTimer = setInterval(() => {
        if (this.socket.bufferedAmount > MAX_OUTPUT_BACKLOG / 2 && !this.reason) return;
        clearInterval(this.drainTimer);
        this.drainTimer = undefined;
        stream.resume();
      }, DRAIN_POLL_MS);
    }
  }

  private touch(): void {
    if (this.reason) return;
    clearTimeout(this.idleTimer);
    if (this.exec) this.idleTimer = setTimeout(() => this.end('idle'), this.limits.idleTimeoutMs);
  }

  private end(reason: string): void {
    if (this.reason) return;
    this.reason = reason;
    this.finished();
  }

  private clearTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
    clearInterval(this.drainTimer);
  }

  private sendText(message: Record<string, unknown>): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private closeSocket(reason: string, exitCode: number | null): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const notes: Record<string, [number, string]> = {
      exited: [CLOSE.exited, `exited ${exitCode ?? '?'}`],
      idle: [CLOSE.idle, 'idle too long'],
      'max-length': [CLOSE.maxLength, 'session too long'],
      'input-backlog': [CLOSE.inputBacklog, 'input backlog'],
      failed: [CLOSE.failed, 'terminal failed'],
    };
    const [code, text] = notes[reason] ?? [CLOSE.exited, 'closed'];
    if (reason === 'idle' || reason === 'max-length') this.sendText({ type: 'closing', reason });
    this.socket.close(code, text);
  }
}
