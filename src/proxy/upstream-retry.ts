/**
 * Whether a failed upstream exchange gets one more attempt, and where: only when the upstream cannot have
 * seen the request (refused connection, or a pooled connection that was already closing) and there is no
 * request body that the first try consumed. While a deploy watches its new containers, the retry goes to
 * the previous release (the route's fallback): the new container that refused it may just have died.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UpstreamFailure } from './http-proxy-engine.js';
import type { RouteTable, Upstream } from './route-table.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function retryTarget(
  routes: RouteTable,
  req: IncomingMessage,
  res: ServerResponse,
  attempts: number,
  failure: UpstreamFailure,
): Upstream | undefined {
  if (!failure.isSafeToRetry || attempts > 1 || res.headersSent || res.destroyed) return undefined;
  if (!hasNoBody(req)) return undefined;
  if (failure.kind === 'stale-connection' && !SAFE_METHODS.has(req.method ?? '')) return undefined;
  const route = routes.resolve(req.headers.host);
  return route === undefined ? undefined : routes.pickForRetry(route);
}

function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}
