/**
 * Where the proxy reports each finished request of a routed service (HTTP metrics, request log). Called
 * once per request from the response's 'close', on the hot path: an implementation must only count and
 * buffer, never do I/O or allocate much (src/traffic/traffic-accounting.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestObserver {
  /**
   * `durationMs` runs from the proxy taking the request to the response's end (or cut); `res.statusCode`
   * is what the client got, `res.writableFinished` false when the response was cut.
   */
  observe(serviceId: string, req: IncomingMessage, res: ServerResponse, durationMs: number): void;
}
