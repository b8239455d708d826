/**
 * The engine answers builds and pulls with a stream of JSON messages, one per line:
 *   {"stream":"Step 1/4 : FROM node:20-slim\n"}    build output (may hold several lines, or half of one)
 *   {"status":"Pulling fs layer","id":"a1b2"}      pull progress
 *   {"aux":{"ID":"sha256:..."}}                    the built image
 *   {"errorDetail":{"message":"..."},"error":"..."} the failure, always last
 * This turns that stream into readable lines and remembers the last error and the image id.
 */
import { LineSplitter } from './line-splitter.js';

/** One JSON message; a build step's output can be long, so allow big ones before cutting. */
const MAX_MESSAGE_CHARS = 4 * 1024 * 1024;

interface EngineMessage {
  stream?: unknown;
  status?: unknown;
  id?: unknown;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: unknown };
  error?: unknown;
  errorDetail?: { message?: unknown };
}

export class EngineMessageReader {
  /** The last error the engine reported, if any. */
  lastError: string | undefined;
  /** The image id from the `aux` message of a successful build. */
  imageId: string | undefined;
  private readonly messages: LineSplitter;
  private readonly output: LineSplitter;
  /** Per layer, the last status shown, so pull progress does not repeat "Downloading" a thousand times. */
  private readonly shownStatus = new Map<string, string>();

  constructor(onLine: (line: string) => void) {
    this.output = new LineSplitter(onLine);
    this.messages = new LineSplitter((text) => this.read(text, onLine), MAX_MESSAGE_CHARS);
  }

  push(chunk: Buffer | string): void {
    this.messages.push(chunk);
  }

  end(): void {
    this.messages.end();
    this.output.end();
  }

  private read(text: string, onLine: (line: string) => void): void {
    if (text.trim() === '') return;
    let message: EngineMessage;
    try {
      message = JSON.parse(text) as EngineMessage;
    } catch {
      // Not JSON (an old engine, a proxy in between): still worth showing.
      this.output.push(`${text}\n`);
      return;
    }
    if (typeof message.stream === 'string') this.output.push(message.stream);
    if (typeof message.aux?.ID === 'string') this.imageId = message.aux.ID;
    const error =
      typeof message.errorDetail?.message === 'string'
        ? message.errorDetail.message
        : typeof message.error === 'string'
          ? message.error
          : undefined;
    if (error !== undefined) {
      this.lastError = error.trim();
      // Finish any half line of output first, so the error reads as its own line.
      this.output.end();
      onLine(this.lastError);
    }
    if (typeof message.status === 'string') this.showStatus(message, message.status, onLine);
  }

  private showStatus(message: EngineMessage, status: string, onLine: (line: string) => void): void {
    const id = typeof message.id === 'string' ? message.id : '';
    // Progress ticks carry byte counts; only the change of phase is worth a line.
    if (message.progressDetail?.total !== undefined && this.shownStatus.get(id) === status) return;
    this.shownStatus.set(id, status);
    onLine(id ? `${id}: ${status}` : status);
  }
}
