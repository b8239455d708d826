/**
 * The only importer of http-proxy. Moves one request (or one WebSocket) to one upstream over a bounded
 * keep-alive pool and copies the response back without hop-by-hop headers. Routing, retries, error pages
 * and in-flight accounting belong to the caller (proxy-server.ts); this file only reports what failed.
 */
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import httpProxy from 'http-proxy';
import { copyResponse } from './response-copy.js';
import type { Upstream } from './route-table.js';

export interface UpstreamPoolOptions {
  /** Concurrent connections to one upstream; requests beyond it wait for a free connection. */
  maxSocketsPerUpstream: number;
  /** Concurrent connections to all upstreams together. */
  maxSocketsTotal: number;
  /** Idle connections kept per upstream for reuse. */
  maxIdleSocketsPerUpstream: number;
  /**
   * How long an idle upstream connection is kept. Below the 5 s keep-alive of a default Node server so
   * the proxy closes first and never sends a request on a connection the upstream is closing.
   */
  idleSocketTimeoutMs: number;
}

export interface EngineOptions {
  /** Inactivity on the upstream connection (no response bytes) before the request gets a 504. */
  upstreamTimeoutMs: number;
  pool: UpstreamPoolOptions;
}

/** Why an upstream exchange failed, in the terms the caller decides on. */
export interface UpstreamFailure {
  kind: 'timeout' | 'unreachable' | 'stale-connection' | 'invalid-response' | 'other';
  /** True when nothing of the request can have reached the upstream's application. */
  isSafeToRetry: boolean;
  code: string;
}

export interface EngineHandlers {
  onRequestFailed(req: IncomingMessage, res: ServerResponse, failure: UpstreamFailure): void;
  onUpgradeFailed(req: IncomingMessage, socket: Socket, failure: UpstreamFailure): void;
}

type ProxyServer = httpProxy;
interface ForwardOptions {
  target: { protocol: 'http:'; host: string; port: number };
}

const kUpstreamRequest = Symbol('berth.upstreamRequest');
type TrackedRequest = IncomingMessage & { [kUpstreamRequest]?: ClientRequest };

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EAI_AGAIN']);

class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
}

export class HttpProxyEngine {
  private readonly agent: Agent;
  private readonly proxy: ProxyServer;
  /** One options object per upstream, reused for every request to it (http-proxy copies it anyway). */
  private readonly forwardOptions = new WeakMap<Upstream, ForwardOptions>();

  constructor(
    private readonly options: EngineOptions,
    private readonly handlers: EngineHandlers,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      keepAliveMsecs: 10_000,
      maxSockets: options.pool.maxSocketsPerUpstream,
      maxTotalSockets: options.pool.maxSocketsTotal,
      maxFreeSockets: options.pool.maxIdleSocketsPerUpstream,
      timeout: options.pool.idleSocketTimeoutMs,
      // The most recently used connection goes first, so surplus idle ones age out after a burst.
      scheduling: 'lifo',
    });
    this.proxy = httpProxy.createProxyServer({
      agent: this.agent,
      ws: true,
      xfwd: false, // prepareUpstreamHeaders sets the forwarding headers: replaced, not appended
      selfHandleResponse: true, // copyResponse: http-proxy would echo hop-by-hop headers to the client
      prependPath: false,
    });
    this.proxy.on('proxyReq', this.onUpstreamRequest);
    this.proxy.on('proxyReqWs', this.onUpstreamUpgradeRequest);
    this.proxy.on('proxyRes', this.onUpstreamResponse);
    this.proxy.on('error', this.onError);
    // The client went away while the upstream was busy: http-proxy aborts the upstream request itself.
    this.proxy.on('econnreset', () => {});
  }

  forward(req: IncomingMessage, res: ServerResponse, upstream: Upstream): void {
    (req as TrackedRequest)[kUpstreamRequest] = undefined;
    this.proxy.web(req, res, this.optionsFor(upstream));
  }

  forwardUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, upstream: Upstream): void {
    this.proxy.ws(req, socket, head, this.optionsFor(upstream));
  }

  /** Closes idle upstream connections and refuses new ones. */
  close(): void {
    this.agent.destroy();
    this.proxy.removeAllListeners('proxyRes');
  }

  private optionsFor(upstream: Upstream): ForwardOptions {
    let options = this.forwardOptions.get(upstream);
    if (!options) {
      options = { target: { protocol: 'http:', host: upstream.host, port: upstream.port } };
      this.forwardOptions.set(upstream, options);
    }
    return options;
  }

  private readonly onUpstreamResponse = (
    proxyRes: IncomingMessage,
    req: IncomingMessage,
    res: ServerResponse,
  ): void => {
    const requestId = req.headers['x-request-id'];
    if (!copyResponse(proxyRes, res, typeof requestId === 'string' ? requestId : undefined)) {
      // A status or header Node refuses to send on: the request fails with a 502, the process stays up.
      this.handlers.onRequestFailed(req, res, {
        kind: 'invalid-response',
        isSafeToRetry: false,
        code: 'INVALID_UPSTREAM_RESPONSE',
      });
    }
  };

  private readonly onUpstreamRequest = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    (req as TrackedRequest)[kUpstreamRequest] = proxyReq;
    proxyReq.setTimeout(this.options.upstreamTimeoutMs, abortOnTimeout);
  };

  /** A WebSocket tunnel ends as a whole: neither side is left half-open when the other goes away. */
  private readonly onUpstreamUpgradeRequest = (proxyReq: ClientRequest, req: IncomingMessage, socket: Socket): void => {
    this.onUpstreamRequest(proxyReq, req);
    let upstreamSocket: Socket | undefined;
    proxyReq.once('upgrade', (_res: IncomingMessage, tunnel: Socket) => {
      upstreamSocket = tunnel;
      tunnel.once('close', () => endThenDestroy(socket));
    });
    socket.once('end', () => endThenDestroy(socket));
    socket.once('close', () => (upstreamSocket ?? proxyReq).destroy());
  };

  private readonly onError = (error: Error, req: IncomingMessage, target: ServerResponse | Socket | unknown): void => {
    const failure = classify(error, req);
    if (isServerResponse(target)) this.handlers.onRequestFailed(req, target, failure);
    else this.handlers.onUpgradeFailed(req, target as Socket, failure);
  };
}

/** Flushes what is queued for the client, then lets the connection go even if the peer never closes. */
function endThenDestroy(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), 5_000).unref();
}

function abortOnTimeout(this: ClientRequest): void {
  this.destroy(new UpstreamTimeoutError('upstream did not answer in time'));
}

function classify(error: Error, req: IncomingMessage): UpstreamFailure {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  if (code === 'UPSTREAM_TIMEOUT') return { kind: 'timeout', isSafeToRetry: false, code };
  if (UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', isSafeToRetry: true, code };
  // Node's parser refused the app's response (e.g. HPE_CR_EXPECTED: header lines ending in a bare LF).
  // Kept strict on purpose (README, "The app proxy"): the log names it, the client gets a 502.
  if (code.startsWith('HPE_')) return { kind: 'invalid-response', isSafeToRetry: false, code };
  const upstreamRequest = (req as TrackedRequest)[kUpstreamRequest];
  // A pooled connection the upstream closed just as we reused it: the request never reached the app.
  // (The caller also checks that no response has started.)
  if (code === 'ECONNRESET' && upstreamRequest?.reusedSocket === true) {
    return { kind: 'stale-connection', isSafeToRetry: true, code };
  }
  return { kind: 'other', isSafeToRetry: false, code };
}

function isServerResponse(value: unknown): value is ServerResponse {
  return typeof (value as ServerResponse | undefined)?.writeHead === 'function';
}
