/** The optional access log: one info line per finished (or cut) request, never with its query string. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

export interface AccessLogDetails {
  requestId?: string;
  upstreamId?: string;
  /** performance.now() when the proxy took the request. */
  startedAt?: number;
}

export function logAccess(logger: Logger, req: IncomingMessage, res: ServerResponse, details: AccessLogDetails): void {
  const url = req.url ?? '';
  const queryAt = url.indexOf('?');
  logger.info(
    {
      requestId: details.requestId,
      method: req.method,
      host: req.headers.host,
      // No query string: tokens and other secrets travel there.
      path: (queryAt < 0 ? url : url.slice(0, queryAt)).slice(0, 200),
      status: res.statusCode,
      completed: res.writableFinished,
      ms: details.startedAt === undefined ? undefined : Math.round(performance.now() - details.startedAt),
      upstream: details.upstreamId,
    },
    'proxied request',
  );
}
