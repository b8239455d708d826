/**
 * Draining a proxy's listeners for a handover (the proxy process tree's upgrade): stop accepting new
 * connections while the listening socket stays open elsewhere (the supervisor and the new workers hold
 * it), answer every request that still arrives on an open HTTP/1.1 connection with `Connection: close`,
 * ask HTTP/2 clients to go away (GOAWAY: they open a new connection, which a new worker accepts), and let
 * idle keep-alive connections end on their own keep-alive timeout, the one the client was told about.
 * Closing an idle keep-alive connection early would race a client that is just sending on it.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import { Server as NetServer } from 'node:net';

/** Resolves once every listener stopped accepting and all of its connections ended. */
export function drainListeners(servers: Iterable<NetServer>, goAway: () => void): Promise<void> {
  const ended: Array<Promise<void>> = [];
  for (const server of servers) {
    server.prependListener('request', closeAfterResponse);
    // net.Server's close, not http.Server's: that one also closes idle keep-alive connections at once.
    ended.push(new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve())));
  }
  goAway();
  return Promise.all(ended).then(() => undefined);
}

function closeAfterResponse(_req: IncomingMessage, res: unknown): void {
  // HTTP/1.1 only (the HTTPS listener's HTTP/2 responses end with their stream; GOAWAY covers them).
  if (res instanceof ServerResponse) res.shouldKeepAlive = false;
}
