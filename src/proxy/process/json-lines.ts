/**
 * Newline-delimited JSON on a stream socket: each complete line is parsed and handed on in order; a line
 * that is not JSON is reported as such; a line longer than the cap closes the connection.
 */
import type { Socket } from 'node:net';

export type LineResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function readJsonLines(socket: Socket, maxLineBytes: number, onLine: (line: LineResult) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== '') onLine(parseLine(line));
      newline = buffered.indexOf('\n');
    }
    if (buffered.length > maxLineBytes) {
      buffered = '';
      socket.destroy(new Error('control message too long'));
    }
  });
}

function parseLine(line: string): LineResult {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
}

export function writeJsonLine(socket: Socket, value: unknown): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
}
