/**
 * Copies an upstream response to the client: status and headers minus the upstream's hop-by-hop ones
 * (Node frames the response for this client connection itself: chunked or not, keep-alive or close),
 * then the body with backpressure.
 *
 * The body copy is five listeners that are the same functions for every request (they find their peer
 * through a symbol), not stream.pipe: pipe adds and later removes about eight listeners per response and
 * stream.pipeline adds an AbortController; both showed up as the proxy's largest JavaScript cost per
 * request in CPU profiles (bench/proxy.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const kClient = Symbol('berth.clientResponse');
/** Headers an HTTP/2 response must not carry, whatever their value (hop-by-hop ones are dropped already). */
const HTTP2_FORBIDDEN: ReadonlySet<string> = new Set(['transfer-encoding', 'upgrade']);
const kUpstream = Symbol('berth.upstreamResponse');
type UpstreamResponse = IncomingMessage & { [kClient]?: ServerResponse };
type ClientResponse = ServerResponse & { [kUpstream]?: IncomingMessage };

/**
 * Returns false when Node refused the upstream's status or headers (the caller answers 502); the upstream
 * response is then destroyed and nothing was sent.
 */
export function copyResponse(proxyRes: IncomingMessage, res: ServerResponse, requestId: string | undefined): boolean {
  if (res.headersSent || res.destroyed) {
    proxyRes.destroy();
    return true;
  }
  const raw = proxyRes.rawHeaders;
  const extraHopByHop = connectionTokens(proxyRes.headers.connection);
  // HTTP/2 has no status text and refuses connection-specific headers outright (RFC 9113 8.2.2).
  const isHttp2 = res.req.httpVersionMajor === 2;
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (isHopByHopResponseHeader(name, raw[i + 1]!, extraHopByHop)) continue;
    if (isHttp2 && HTTP2_FORBIDDEN.has(name.toLowerCase())) continue;
    headers.push(name, raw[i + 1]!);
  }
  // The id the upstream saw, so a user can quote it when something went wrong (unless the app set its own).
  if (requestId !== undefined && proxyRes.headers['x-request-id'] === undefined)
    headers.push('X-Request-Id', requestId);
  try {
    if (isHttp2) res.writeHead(proxyRes.statusCode ?? 502, headers);
    else res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  } catch {
    proxyRes.destroy();
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    return false;
  }
  (proxyRes as UpstreamResponse)[kClient] = res;
  (res as ClientResponse)[kUpstream] = proxyRes;
  proxyRes.on('data', forwardChunk);
  proxyRes.on('end', endClientResponse);
  // An upstream cut mid-body cuts the client connection: the only honest signal once headers are out.
  proxyRes.on('close', cutClientIfIncomplete);
  res.on('drain', resumeUpstream);
  // A client that leaves frees the upstream connection.
  res.on('close', releaseUpstreamIfUnfinished);
  return true;
}

function forwardChunk(this: UpstreamResponse, chunk: Buffer): void {
  if (!this[kClient]!.write(chunk)) this.pause();
}

function endClientResponse(this: UpstreamResponse): void {
  this[kClient]!.end();
}

function cutClientIfIncomplete(this: UpstreamResponse): void {
  if (!this.complete) this[kClient]!.destroy();
}

function resumeUpstream(this: ClientResponse): void {
  this[kUpstream]!.resume();
}

function releaseUpstreamIfUnfinished(this: ClientResponse): void {
  if (!this.writableFinished) this[kUpstream]!.destroy();
}

function isHopByHopResponseHeader(name: string, value: string, extra: ReadonlySet<string> | undefined): boolean {
  switch (name.length) {
    case 10: {
      const lower = name.toLowerCase();
      if (lower === 'connection' || lower === 'keep-alive') return true;
      break;
    }
    case 16:
      if (name.toLowerCase() === 'proxy-connection') return true;
      break;
    case 17:
      // Node re-chunks for the client; any other transfer coding is passed on untouched.
      if (name.toLowerCase() === 'transfer-encoding' && value.trim().toLowerCase() === 'chunked') return true;
      break;
  }
  return extra !== undefined && extra.has(name.toLowerCase());
}

function connectionTokens(connection: string | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined || !connection.includes(',')) return undefined;
  return new Set(connection.split(',').map((token) => token.trim().toLowerCase()));
}
