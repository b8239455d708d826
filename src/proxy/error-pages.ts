/**
 * The proxy's own answers, when no app can give one. Small, self-contained HTML with nothing from any
 * app or from the panel, so an unknown hostname learns nothing about what else runs on this server.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type ProxyStatus = 400 | 404 | 408 | 431 | 502 | 503 | 504;

const REASONS: Record<ProxyStatus, { reason: string; explanation: string }> = {
  400: { reason: 'Bad Request', explanation: 'The request could not be understood.' },
  404: { reason: 'Not Found', explanation: 'No application is served at this address.' },
  408: { reason: 'Request Timeout', explanation: 'The request took too long to arrive.' },
  431: { reason: 'Request Header Fields Too Large', explanation: 'The request headers are too large.' },
  502: { reason: 'Bad Gateway', explanation: 'The application did not answer properly. Try again in a moment.' },
  503: { reason: 'Service Unavailable', explanation: 'The application is not running right now. Try again soon.' },
  504: { reason: 'Gateway Timeout', explanation: 'The application took too long to answer.' },
};

const PAGES = new Map<ProxyStatus, Buffer>(
  (Object.keys(REASONS) as unknown as ProxyStatus[]).map((status) => {
    const { reason, explanation } = REASONS[status];
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
      '<meta name="viewport" content="width=device-width,initial-scale=1">' +
      `<title>${status} ${reason}</title><style>body{font:16px/1.5 system-ui,sans-serif;color:#222;` +
      'max-width:32rem;margin:15vh auto;padding:0 1rem}h1{font-size:1.4rem}p{color:#555}</style></head>' +
      `<body><h1>${status} ${reason}</h1><p>${explanation}</p></body></html>\n`;
    return [Number(status) as ProxyStatus, Buffer.from(html)];
  }),
);

/** Answers a request with the proxy's page, unless the response has already started. */
export function sendProxyPage(res: ServerResponse, status: ProxyStatus, requestId?: string): void {
  if (res.headersSent || res.destroyed) {
    // Part of an upstream answer is already out: cutting the connection is the only honest signal left.
    if (!res.writableEnded) res.destroy();
    return;
  }
  const body = PAGES.get(status)!;
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (requestId !== undefined) headers['x-request-id'] = requestId;
  // A request the proxy cannot make sense of ends its connection: whatever the client sends next on it
  // would be read with framing the client and the proxy may not agree on (HTTP/2 frames stay exact).
  if (status === 400 && res.req.httpVersionMajor === 1) headers.connection = 'close';
  // HTTP/2 has no reason phrase (Node warns when given one).
  if (res.req.httpVersionMajor === 2) res.writeHead(status, headers);
  else res.writeHead(status, REASONS[status].reason, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * The same page written straight to a socket, for upgrade requests and client errors (no ServerResponse).
 * `hasResponseStarted` says whether this exchange already wrote bytes: then the page would corrupt the
 * stream, and the connection is only cut.
 */
export function writeProxyPageToSocket(socket: Socket, status: ProxyStatus, hasResponseStarted: boolean): void {
  if (socket.destroyed) return;
  if (hasResponseStarted || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = PAGES.get(status)!;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status].reason}\r\nContent-Type: text/html; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n` +
      body.toString('latin1'),
    'latin1',
  );
  // Once the page is flushed the connection is done, even if the client never closes its side.
  socket.once('finish', () => socket.destroy());
}
