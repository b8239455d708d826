/**
 * WebSocket upgrades through the app proxy: routed by Host like requests, counted in flight while open,
 * and cut at once on shutdown (they have no natural end). Other upgrades (h2c and such) are refused.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { writeProxyPageToSocket } from './error-pages.js';
import { hasSeveralHostHeaders } from './hostname.js';
import type { HttpProxyEngine, UpstreamFailure } from './http-proxy-engine.js';
import type { RouteTable, Upstream } from './route-table.js';
import type { ThrottledWarnings } from './throttled-warnings.js';
import { prepareUpstreamHeaders } from './upstream-request-headers.js';

const kTunnel = Symbol('berth.tunnel');
type TunnelSocket = Socket & { [kTunnel]?: { upstream: Upstream; bytesBeforeUpgrade: number } };

export class WebSocketTunnels {
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly routes: RouteTable,
    private readonly engine: HttpProxyEngine,
    private readonly logger: Logger,
    private readonly upstreamWarnings: ThrottledWarnings,
  ) {}

  readonly handleUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    // Node drops its own error listener from upgraded sockets; without this a client reset would crash.
    socket.on('error', destroySocket);
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || req.method !== 'GET') {
      return writeProxyPageToSocket(socket, 400, false);
    }
    if (hasSeveralHostHeaders(req.rawHeaders)) return writeProxyPageToSocket(socket, 400, false);
    const route = this.routes.resolve(req.headers.host);
    if (route === undefined) return writeProxyPageToSocket(socket, 404, false);
    const upstream = this.routes.pickFrom(route);
    if (upstream === undefined) return writeProxyPageToSocket(socket, 503, false);

    prepareUpstreamHeaders(req, true);
    (socket as TunnelSocket)[kTunnel] = { upstream, bytesBeforeUpgrade: socket.bytesWritten };
    this.routes.inflight.begin(upstream.id);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.routes.inflight.end(upstream.id);
    });
    try {
      this.engine.forwardUpgrade(req, socket, head, upstream);
    } catch (error) {
      this.logger.debug({ err: error }, 'upgrade request refused');
      writeProxyPageToSocket(socket, 400, false);
    }
  };

  /** The engine's report that the upstream side of a tunnel failed. */
  readonly onFailed = (_req: IncomingMessage, socket: Socket, failure: UpstreamFailure): void => {
    const tunnel = (socket as TunnelSocket)[kTunnel];
    const hasStarted = tunnel === undefined || socket.bytesWritten > tunnel.bytesBeforeUpgrade;
    if (!hasStarted) {
      this.upstreamWarnings.warn(
        `${tunnel.upstream.id} websocket`,
        { upstream: tunnel.upstream.id, code: failure.code },
        'upstream websocket failed',
      );
    }
    writeProxyPageToSocket(socket, failure.kind === 'timeout' ? 504 : 502, hasStarted);
  };

  /** Cuts every open tunnel. */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

function destroySocket(this: Socket): void {
  this.destroy();
}
