/**
 * The app proxy: routes each request by its Host header to one upstream of the service that owns the
 * name, counts it for draining, and answers itself only when no app can (404 unknown host, 503 no
 * running container, 502/504 upstream failure). The request handler is listener-agnostic: listenHttp
 * uses it on port 80 and the HTTPS listener can attach() the same handler and route table.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { ACME_CHALLENGE_PREFIX, answerAcmeChallenge, type ChallengeResponder } from './acme-challenge.js';
import { logAccess } from './access-log.js';
import { ConnectionGuard } from './connection-guard.js';
import { clientErrorHandler } from './client-errors.js';
import { sendProxyPage, type ProxyStatus } from './error-pages.js';
import { hasSeveralHostHeaders } from './hostname.js';
import { HttpProxyEngine, type UpstreamFailure } from './http-proxy-engine.js';
import { adaptHttp2Request, Http2Connections } from './http2-support.js';
import { drainListeners } from './listener-drain.js';
import { listen } from './listen.js';
import { resolveProxySettings, type ProxySettings, type ProxySettingsOverrides } from './proxy-settings.js';
import type { RouteTable, Upstream } from './route-table.js';
import { retryTarget } from './upstream-retry.js';
import { ThrottledWarnings } from './throttled-warnings.js';
import type { RequestObserver } from './request-observer.js';
import { prepareUpstreamHeaders } from './upstream-request-headers.js';
import { WebSocketTunnels } from './websocket-tunnels.js';

export type { ChallengeResponder };

export interface AppProxyOptions {
  logger: Logger;
  /**
   * One info line per request (method, host, path without query, status, duration, upstream): true logs
   * to `logger`; a Logger of its own (e.g. with an asynchronous destination) keeps it off the hot path.
   */
  accessLog?: boolean | Logger;
  challengeResponder?: ChallengeResponder;
  /**
   * Consulted before routing (after ACME challenges): answers redirects (HTTP to HTTPS, www/apex) or sets
   * response headers such as HSTS. Returns true when it answered the request itself.
   */
  hostPolicy?: (req: IncomingMessage, res: ServerResponse) => boolean;
  settings?: ProxySettingsOverrides;
  /** Told about every finished request of a routed service (HTTP metrics and the request log). */
  observer?: RequestObserver;
}

/** What the proxy remembers about one request while it is in flight. */
interface Exchange {
  proxy: AppProxy;
  upstream: Upstream;
  serviceId: string;
  requestId: string;
  attempts: number;
  startedAt: number;
}

const kExchange = Symbol('berth.exchange');
type ProxiedRequest = IncomingMessage & { [kExchange]?: Exchange };

export class AppProxy {
  readonly settings: ProxySettings;
  private readonly logger: Logger;
  private readonly accessLogger: Logger | undefined;
  private readonly observer: RequestObserver | undefined;
  /** Whether a request needs its start time (access log or observer): performance.now() is not free. */
  private readonly timesRequests: boolean;
  private readonly engine: HttpProxyEngine;
  private readonly connectionGuard: ConnectionGuard;
  private readonly upstreamWarnings: ThrottledWarnings;
  private readonly tunnels: WebSocketTunnels;
  private readonly servers = new Set<Server | HttpsServer | Http2SecureServer>();
  private readonly http2Connections: Http2Connections;
  private httpServer: Server | undefined;
  /** WebSocket upgrades (websocket-tunnels.ts); public so a listener can be wired by hand. */
  readonly handleUpgrade: WebSocketTunnels['handleUpgrade'];

  constructor(
    private readonly routes: RouteTable,
    private readonly options: AppProxyOptions,
  ) {
    this.settings = resolveProxySettings(options.settings);
    this.logger = options.logger;
    this.accessLogger = options.accessLog === true ? options.logger : options.accessLog || undefined;
    this.observer = options.observer;
    this.timesRequests = this.accessLogger !== undefined || this.observer !== undefined;
    this.connectionGuard = new ConnectionGuard(this.settings.maxConnectionsPerIp, this.logger);
    this.upstreamWarnings = new ThrottledWarnings(this.logger);
    this.engine = new HttpProxyEngine(
      { upstreamTimeoutMs: this.settings.upstreamTimeoutMs, pool: this.settings.pool },
      { onRequestFailed: this.onRequestFailed, onUpgradeFailed: (...args) => this.tunnels.onFailed(...args) },
    );
    this.tunnels = new WebSocketTunnels(routes, this.engine, this.logger, this.upstreamWarnings);
    this.handleUpgrade = this.tunnels.handleUpgrade;
    // Idle HTTP/2 sessions: past the upstream timeout no request on them can still be waiting; one without
    // an open stream gets the keep-alive time, like an idle HTTP/1.1 connection.
    this.http2Connections = new Http2Connections(
      this.settings.upstreamTimeoutMs + 5_000,
      this.settings.keepAliveTimeoutMs,
    );
  }

  /**
   * Options for http.createServer / https.createServer: header limit, timeouts and the timeout checker
   * interval (handshakeTimeout only matters to https.createServer).
   */
  serverOptions(): ServerOptions & { handshakeTimeout: number } {
    return {
      handshakeTimeout: this.settings.tlsHandshakeTimeoutMs,
      maxHeaderSize: this.settings.maxHeaderSize,
      requestTimeout: this.settings.requestTimeoutMs,
      headersTimeout: this.settings.headersTimeoutMs,
      keepAliveTimeout: this.settings.keepAliveTimeoutMs,
      connectionsCheckingInterval: this.settings.connectionsCheckingIntervalMs,
      // A missing Host gets our 404 page rather than Node's bare 400.
      requireHostHeader: false,
      noDelay: true,
    };
  }

  /**
   * Wires the handlers, timeouts and error guards into a server made with serverOptions(): the HTTP
   * listener here, and the HTTPS listener (https.createServer({ ...tls, ...proxy.serverOptions() })).
   * close() closes every attached server.
   */
  attach(server: Server | HttpsServer | Http2SecureServer): void {
    // One shape for both kinds: an HTTP/2 listener's HTTP/1.1 fallback reads these from the server object.
    const http1 = server as Server & {
      maxHeaderSize?: number;
      connectionsCheckingInterval?: number;
      requireHostHeader?: boolean;
    };
    http1.headersTimeout = this.settings.headersTimeoutMs;
    http1.requestTimeout = this.settings.requestTimeoutMs;
    http1.keepAliveTimeout = this.settings.keepAliveTimeoutMs;
    http1.maxHeaderSize = this.settings.maxHeaderSize;
    http1.requireHostHeader = false;
    http1.connectionsCheckingInterval = this.settings.connectionsCheckingIntervalMs;
    // No idle timeout while a request is open: a slow upstream or an SSE stream is not an idle client.
    http1.timeout = 0;
    server.maxConnections = this.settings.maxConnections;
    server.on('connection', this.connectionGuard.admit);
    server.on('request', this.handleRequest);
    server.on('upgrade', this.handleUpgrade);
    server.on('clientError', clientErrorHandler(this.logger));
    server.on('error', (error) => this.logger.error({ err: error }, 'proxy listener error'));
    if (!('closeAllConnections' in server)) this.http2Connections.watch(server);
    this.servers.add(server);
  }

  async listenHttp(port: number, host: string): Promise<void> {
    const server = createServer(this.serverOptions());
    this.attach(server);
    try {
      await listen(server, port, host);
    } catch (error) {
      this.servers.delete(server);
      throw error;
    }
    this.httpServer = server;
    this.logger.info({ port: this.httpAddress()?.port, host }, 'app proxy listening (http)');
  }

  httpAddress(): AddressInfo | undefined {
    const address = this.httpServer?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.httpVersionMajor === 2 && !adaptHttp2Request(req, this.settings.maxHeaderSize)) {
      return this.answerItself(req, res, 431);
    }
    if (hasSeveralHostHeaders(req.rawHeaders)) return this.answerItself(req, res, 400);
    if (this.options.challengeResponder !== undefined && req.url?.startsWith(ACME_CHALLENGE_PREFIX)) {
      if (answerAcmeChallenge(req, res, this.options.challengeResponder)) return;
    }
    if (this.options.hostPolicy?.(req, res) === true) return;
    const route = this.routes.resolve(req.headers.host);
    if (route === undefined) return this.answerItself(req, res, 404);
    const upstream = this.routes.pickFrom(route);
    if (upstream === undefined) return this.answerItself(req, res, 503, route.serviceId);

    const exchange: Exchange = {
      proxy: this,
      upstream,
      serviceId: route.serviceId,
      requestId: prepareUpstreamHeaders(req, false),
      attempts: 1,
      startedAt: this.timesRequests ? performance.now() : 0,
    };
    (req as ProxiedRequest)[kExchange] = exchange;
    this.routes.inflight.begin(upstream.id);
    // 'close' fires exactly once per response, finished or cut, so the count never leaks. One bound
    // handler for every request (it finds the exchange on res.req): no closure per request.
    res.on('close', onResponseClosed);
    this.forwardOrReject(req, res, upstream);
  };

  /** @internal Called once per proxied request, from the response's 'close' (finished or cut). */
  finishExchange(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    this.routes.inflight.end(exchange.upstream.id);
    this.observer?.observe(exchange.serviceId, req, res, performance.now() - exchange.startedAt);
    if (this.accessLogger !== undefined) {
      logAccess(this.accessLogger, req, res, {
        requestId: exchange.requestId,
        upstreamId: exchange.upstream.id,
        startedAt: exchange.startedAt,
      });
    }
  }

  /**
   * Stops accepting, lets in-flight requests finish for closeGraceMs, then cuts what is left (WebSockets
   * included) and closes the upstream pool.
   */
  async close(): Promise<void> {
    const closing = [...this.servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const server of this.servers) (server as Server).closeIdleConnections?.();
    this.http2Connections.closeGracefully();
    const grace = setTimeout(() => {
      for (const server of this.servers) (server as Partial<Server>).closeAllConnections?.();
      this.http2Connections.destroyAll();
      this.tunnels.destroyAll();
    }, this.settings.closeGraceMs);
    // WebSockets have no natural end; they are cut at once rather than holding shutdown for the grace time.
    this.tunnels.destroyAll();
    await Promise.all(closing);
    clearTimeout(grace);
    this.servers.clear();
    this.httpServer = undefined;
    this.engine.close();
    this.accessLogger?.flush?.();
  }

  /**
   * A handover (listener-drain.ts): stops accepting, lets open connections finish and end on their own,
   * and after `boundMs` closes like close() (in-flight grace, then cut; WebSockets are cut then).
   */
  async drain(boundMs: number): Promise<void> {
    const bound = new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref());
    await Promise.race([drainListeners(this.servers, () => this.http2Connections.closeGracefully()), bound]);
    await this.close();
  }

  /** http-proxy throws synchronously on some request targets (e.g. `http://[::1/`): a 400, not a crash. */
  private forwardOrReject(req: IncomingMessage, res: ServerResponse, upstream: Upstream): void {
    try {
      this.engine.forward(req, res, upstream);
    } catch (error) {
      this.logger.debug({ err: error }, 'request refused');
      sendProxyPage(res, 400);
    }
  }

  /** `serviceId`: the routed service that could not be served (its 503s count in its metrics). */
  private answerItself(req: IncomingMessage, res: ServerResponse, status: ProxyStatus, serviceId?: string): void {
    const startedAt = serviceId !== undefined && this.observer !== undefined ? performance.now() : 0;
    sendProxyPage(res, status);
    if (this.accessLogger !== undefined) {
      const accessLogger = this.accessLogger;
      res.once('close', () => logAccess(accessLogger, req, res, {}));
    }
    if (serviceId !== undefined && this.observer !== undefined) {
      const observer = this.observer;
      res.once('close', () => observer.observe(serviceId, req, res, performance.now() - startedAt));
    }
  }

  private readonly onRequestFailed = (req: IncomingMessage, res: ServerResponse, failure: UpstreamFailure): void => {
    const exchange = (req as ProxiedRequest)[kExchange];
    if (exchange === undefined) return sendProxyPage(res, 502);
    const retryTo = retryTarget(this.routes, req, res, exchange.attempts, failure);
    if (retryTo !== undefined) {
      this.logger.debug({ upstream: exchange.upstream.id, code: failure.code, retryTo: retryTo.id }, 'upstream retry');
      this.routes.inflight.end(exchange.upstream.id);
      this.routes.inflight.begin(retryTo.id);
      exchange.upstream = retryTo;
      exchange.attempts += 1;
      this.forwardOrReject(req, res, retryTo);
      return;
    }
    if (!res.destroyed && !res.writableEnded) {
      this.upstreamWarnings.warn(
        `${exchange.upstream.id} ${failure.kind}`,
        { upstream: exchange.upstream.id, code: failure.code, kind: failure.kind, requestId: exchange.requestId },
        'upstream request failed',
      );
    }
    sendProxyPage(res, failure.kind === 'timeout' ? 504 : 502, exchange.requestId);
  };
}

function onResponseClosed(this: ServerResponse): void {
  const exchange = (this.req as ProxiedRequest)[kExchange]!;
  exchange.proxy.finishExchange(this.req, this, exchange);
}
