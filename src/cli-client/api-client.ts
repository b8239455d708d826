/**
 * The developer commands' one way to the server: JSON over /api/v1 with the stored bearer token. A refusal
 * becomes an AppError whose code gives the exit code (401/403 → auth, 404 → not found, else failure);
 * the server's own message is kept, since it says what to do.
 */
import { Readable } from 'node:stream';
import { AppError, type ErrorCode } from '../errors.js';

export interface ApiTarget {
  server: string;
  token: string;
  /** Before every path (default /api/v1; the browser login's public routes are outside it: ''). */
  prefix?: string;
}

function codeOfStatus(status: number, serverCode: string | undefined): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 409) return 'CONFLICT';
  if (status === 422) return serverCode === 'VARIABLE_REFERENCE_INVALID' ? serverCode : 'VALIDATION_FAILED';
  // A 400 from the server is not the user's command line (exit 2) but a refusal (exit 1).
  return 'INTERNAL';
}

/** The server's base URL without a trailing slash; only http(s). */
export function normalizeServer(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('BAD_REQUEST', `--server must be a URL like https://berth.example.com, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('BAD_REQUEST', `--server must be an http(s) URL, got "${text}"`);
  if (url.username || url.password || url.search || url.hash)
    throw new AppError('BAD_REQUEST', '--server must not carry credentials, a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export class ApiClient {
  constructor(private readonly target: ApiTarget) {}

  get server(): string {
    return this.target.server;
  }

  private async send(
    method: string,
    path: string,
    init: { body?: unknown; raw?: RequestInit } = {},
  ): Promise<Response> {
    // No token yet (the browser login's own requests): no authorization header at all.
    const headers: Record<string, string> = {
      ...(this.target.token ? { authorization: `Bearer ${this.target.token}` } : {}),
      accept: 'application/json',
    };
    let body: RequestInit['body'];
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.target.server}${this.target.prefix ?? '/api/v1'}${path}`, {
        method,
        headers,
        body,
        ...init.raw,
        ...(init.raw?.headers ? { headers: { ...headers, ...(init.raw.headers as Record<string, string>) } } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new AppError(
        'INTERNAL',
        `Cannot reach ${this.target.server}: ${cause?.code ?? cause?.message ?? String(error)}`,
      );
    }
    if (response.ok) return response;
    let serverCode: string | undefined;
    let message = `${method} ${path} answered ${response.status}`;
    try {
      const payload = (await response.json()) as { error?: { code?: string; message?: string } };
      serverCode = payload.error?.code;
      if (payload.error?.message) message = payload.error.message;
    } catch {
      // Not JSON: keep the status line.
    }
    if (response.status === 401) message = `${message} (the token was refused: run \`berth login\` again)`;
    throw new AppError(codeOfStatus(response.status, serverCode), message);
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, { body });
    return (await response.json()) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.json<T>('GET', path);
  }

  /** Posts a stream as the body (no buffering), e.g. the gzipped archive of `berth up`. */
  async upload<T>(path: string, contentType: string, stream: Readable): Promise<T> {
    const response = await this.send('POST', path, {
      raw: {
        headers: { 'content-type': contentType },
        body: Readable.toWeb(stream) as ReadableStream,
        // Node's fetch streams a request body only half-duplex.
        ...({ duplex: 'half' } as object),
      },
    });
    return (await response.json()) as T;
  }

  /** A text/plain stream, line by line, until the server ends it or `signal` aborts. */
  async *lines(path: string, signal?: AbortSignal): AsyncGenerator<string> {
    const response = await this.send('GET', path, { raw: { signal, headers: { accept: 'text/plain' } } });
    if (!response.body) return;
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = pending.indexOf('\n')) >= 0) {
          yield pending.slice(0, newline);
          pending = pending.slice(newline + 1);
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    if (pending) yield pending;
  }
}
