/**
 * What the upstream sees of the client's request headers. Berth is the edge, so it owns the forwarding
 * headers (client-sent X-Forwarded-* are replaced, not trusted), and hop-by-hop headers stop here: a
 * client's `Connection: close` must not reach the upstream, or the keep-alive pool opens a fresh upstream
 * connection for every such request (the http-proxy defect measured in PERFORMANCE.md).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** An incoming X-Request-Id is kept only when it cannot smuggle anything into logs or headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9+/=._:-]{8,200}$/;

/** Headers that describe one connection, never the message: they are dropped for plain requests. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'trailer'] as const;

/**
 * Rewrites req.headers in place (http-proxy copies them into the upstream request) and returns the
 * request id. For WebSocket upgrades `Connection` and `Upgrade` are the point of the request and stay.
 */
export function prepareUpstreamHeaders(req: IncomingMessage, isUpgrade: boolean): string {
  const headers = req.headers;
  if (!isUpgrade) {
    const connection = headers.connection;
    // Tokens named in Connection are hop-by-hop too (RFC 9110 7.6.1), e.g. `Connection: close, X-Debug`.
    if (connection !== undefined && connection.includes(',')) {
      for (const token of connection.split(',')) delete headers[token.trim().toLowerCase()];
    }
    for (const name of HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
  }
  // Node already answered `100 Continue` to the client; the upstream gets the body straight away.
  if (headers.expect !== undefined) delete headers.expect;

  const socket = req.socket;
  const clientAddress = unmapIPv4(socket.remoteAddress ?? '');
  headers['x-forwarded-for'] = clientAddress;
  headers['x-real-ip'] = clientAddress;
  headers['x-forwarded-proto'] = (socket as TLSSocket).encrypted ? 'https' : 'http';
  headers['x-forwarded-host'] = headers.host ?? '';
  headers['x-forwarded-port'] = String(socket.localPort ?? '');
  if (headers.forwarded !== undefined) delete headers.forwarded;

  const incomingId = headers['x-request-id'];
  const requestId = typeof incomingId === 'string' && SAFE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  headers['x-request-id'] = requestId;
  return requestId;
}

function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
