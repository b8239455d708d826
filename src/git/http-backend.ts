/**
 * Runs `git http-backend` as a CGI program for one request: argv without a shell, the CGI variables in its
 * environment, the request body streamed into it as it arrives (gzip bodies are inflated by http-backend
 * itself from HTTP_CONTENT_ENCODING; chunked bodies have no CONTENT_LENGTH and are read to EOF), and its
 * answer streamed back after its CGI headers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { spawnProgram } from '../lib/exec.js';
import { killQuietly } from './git-process.js';

export interface CgiRequest {
  projectRoot: string;
  /** `/<project>/<service>.git/<info/refs|git-upload-pack|git-receive-pack>`, already allow-listed. */
  pathInfo: string;
  /** Only `service=git-upload-pack|git-receive-pack` or empty. */
  queryString: string;
  remoteUser: string;
  /** PATH, HOME, git settings and the push token for the hook. */
  env: Record<string, string>;
}

const MAX_HEADER_BYTES = 16 * 1024;

export function runHttpBackend(req: IncomingMessage, res: ServerResponse, cgi: CgiRequest): Promise<void> {
  const env: Record<string, string> = {
    ...cgi.env,
    GIT_PROJECT_ROOT: cgi.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    PATH_INFO: cgi.pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: cgi.queryString,
    REMOTE_USER: cgi.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    CONTENT_TYPE: header(req, 'content-type'),
  };
  const length = header(req, 'content-length');
  if (/^\d+$/.test(length)) env.CONTENT_LENGTH = length;
  const encoding = header(req, 'content-encoding');
  if (/^(gzip|x-gzip|deflate|identity)$/i.test(encoding)) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = header(req, 'git-protocol');
  if (/^[A-Za-z0-9=:.,_-]{1,200}$/.test(protocol)) env.GIT_PROTOCOL = protocol;

  const child = spawnProgram('git', ['http-backend'], { env });
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let isStreaming = false;
    let stderr = '';
    const fail = (status: number, message: string) => {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${message}\n`);
    };
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined); // http-backend may stop reading early (an error it reports)
    req.on('aborted', () => killQuietly(child));
    res.on('close', () => killQuietly(child));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (isStreaming) return;
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) {
        if (head.length > MAX_HEADER_BYTES) {
          killQuietly(child);
          fail(502, 'git http-backend sent no headers.');
        }
        return;
      }
      isStreaming = true;
      const { status, headers } = parseCgiHeaders(head.subarray(0, end).toString('latin1'));
      res.writeHead(status, headers);
      res.write(head.subarray(end));
      child.stdout.pipe(res);
    });
    child.on('error', () => fail(500, 'git is not installed on this server.'));
    child.on('close', (code) => {
      if (!isStreaming) fail(code === 0 ? 502 : 500, stderr.trim().split('\n')[0] || 'git http-backend failed.');
      resolve();
    });
  });
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === 'string' ? value : '';
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number(/^\d{3}/.exec(value)?.[0] ?? 200);
    else headers[name] = value;
  }
  return { status, headers };
}
