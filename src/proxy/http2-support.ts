/**
 * HTTP/2 on the HTTPS listener: ALPN offers `h2` first and HTTP/1.1 on the same port (WebSockets stay on
 * HTTP/1.1: extended CONNECT is not offered, so browsers open an HTTP/1.1 connection for them). Node's
 * compatibility API hands the proxy request/response objects shaped like HTTP/1.1 ones; the few places
 * where they differ are handled here, so the request path stays one code path for both protocols.
 */
import type { IncomingMessage } from 'node:http';
import type { Http2SecureServer, Http2Session, Http2Stream, SecureServerOptions } from 'node:http2';
import type { Socket } from 'node:net';
import type { ProxySettings } from './proxy-settings.js';

/**
 * An HTTP/2 request carries its target in pseudo-headers (`:authority`, `:path`, ...). The upstream speaks
 * HTTP/1.1, where a header named `:path` is invalid, and routing reads `Host`: the request gets a header
 * object without pseudo-headers and with `host` from `:authority`. (method and url keep working: the
 * compatibility request reads them from its own copy.) Returns false when the header list is larger than
 * `maxHeaderBytes`: Node advertises SETTINGS_MAX_HEADER_LIST_SIZE but does not enforce it, so the proxy
 * does (counted as RFC 9113 does: name + value + 32 per field), and the caller answers 431.
 */
export function adaptHttp2Request(req: IncomingMessage, maxHeaderBytes: number): boolean {
  const original = req.headers;
  const headers: IncomingMessage['headers'] = {};
  let bytes = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) bytes += raw[i]!.length + raw[i + 1]!.length + 32;
  for (const name in original) if (name.charCodeAt(0) !== 58 /* ':' */) headers[name] = original[name];
  const authority = original[':authority'];
  if (typeof authority === 'string' && headers.host === undefined) headers.host = authority;
  Object.defineProperty(req, 'headers', { value: headers, writable: true, configurable: true, enumerable: true });
  return bytes <= maxHeaderBytes;
}

/** http2.createSecureServer options derived from the proxy's limits. */
export function http2ServerOptions(settings: ProxySettings): SecureServerOptions {
  return {
    allowHTTP1: true,
    settings: {
      maxConcurrentStreams: settings.http2MaxConcurrentStreams,
      maxHeaderListSize: settings.maxHeaderSize,
      // No extended CONNECT: WebSockets use HTTP/1.1 (the proxy's tunnels), as before.
      enableConnectProtocol: false,
    },
    maxHeaderListPairs: 256,
    // Bounds for misbehaving peers (invalid frames, streams opened beyond the limit, resets): the
    // session is closed once they are exceeded. Node also caps rapid-reset floods itself.
    maxSessionInvalidFrames: 100,
    maxSessionRejectedStreams: 100,
  };
}

/**
 * The connections of an HTTP/2-capable listener, which lacks http.Server's closeAllConnections: HTTP/2
 * sessions get a GOAWAY when the proxy closes (in-flight streams finish), and whatever is still open
 * after the grace time is cut, HTTP/1.1 connections of the same listener included. Sessions idle beyond
 * the upstream timeout (no frame at all, so no request can still be waiting for an answer) are closed,
 * and so are sessions without an open stream for the keep-alive time, like an idle HTTP/1.1 connection.
 * The second also ends sessions nghttp2 itself gave up on (a connection error such as a rapid-reset flood
 * or a frame inside a header block): it sends GOAWAY and stops reading, but Node keeps the socket.
 */
export class Http2Connections {
  private readonly sessions = new Set<Http2Session>();
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly idleSessionMs: number,
    private readonly noStreamMs: number,
  ) {}

  watch(server: Http2SecureServer): void {
    server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.setTimeout(this.idleSessionMs, () => session.close());
      closeWhenWithoutStreams(session, this.noStreamMs);
    });
  }

  /** Stop taking new streams; streams in flight finish. */
  closeGracefully(): void {
    for (const session of this.sessions) if (!session.closed) session.close();
  }

  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}

/** Closes `session` once it has had no open stream for `ms` (one timer per session, refreshed, not re-made). */
function closeWhenWithoutStreams(session: Http2Session, ms: number): void {
  let open = 0;
  const timer = setTimeout(() => open === 0 && session.close(), ms).unref();
  session.on('stream', (stream: Http2Stream) => {
    open++;
    stream.once('close', () => --open === 0 && !session.closed && timer.refresh());
  });
  session.once('close', () => clearTimeout(timer));
}
