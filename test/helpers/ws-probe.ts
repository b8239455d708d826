/**
 * Real WebSocket upgrades (the `ws` client @fastify/websocket is built on) and real SSE streams against a
 * listening app: what the server answered (101, or the refusal's status and body), and for an open one,
 * its messages and how it closed.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

interface WsClient {
  on(event: 'open', listener: () => void): void;
  on(event: 'unexpected-response', listener: (request: unknown, response: IncomingMessage) => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
  terminate(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  options: { headers: Record<string, string> },
) => WsClient;

export interface OpenedSocket {
  status: 101;
  messages: string[];
  /** Resolves with the close code and reason once the socket closed (either side). */
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  close(): void;
}

export interface RefusedSocket {
  status: number;
  body: string;
}

export function openSocket(url: string, headers: Record<string, string>): Promise<OpenedSocket | RefusedSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: string[] = [];
    let isClosed = false;
    let onClosed: (value: { code: number; reason: string }) => void = () => {};
    const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('message', (data) => messages.push(String(data)));
    socket.on('close', (code, reason) => {
      isClosed = true;
      onClosed({ code, reason: reason.toString('utf8') });
    });
    socket.on('open', () =>
      resolve({ status: 101, messages, closed, isClosed: () => isClosed, close: () => socket.close() }),
    );
    socket.on('error', (error) => {
      if (!isClosed) reject(error);
    });
  });
}

export interface OpenedStream {
  status: number;
  body: string;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

/** Opens an SSE stream (GET) and resolves once the headers are in: the status, and for an error its body. */
export async function openStream(url: string, headers: Record<string, string>): Promise<OpenedStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal, redirect: 'manual' });
  let isEnded = false;
  if (response.status !== 200 || !response.body) {
    const body = await response.text();
    return { status: response.status, body, ended: Promise.resolve(), isEnded: () => true, close: () => {} };
  }
  const reader = response.body.getReader();
  const ended = (async () => {
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch {
      // aborted by the test
    }
    isEnded = true;
  })();
  return { status: 200, body: '', ended, isEnded: () => isEnded, close: () => abort.abort() };
}
