/**
 * The HTTPS side of the app proxy: an https server whose certificate is picked per handshake by SNI,
 * HTTP/1.1 only (ALPN), TLS 1.2+, with the proxy's own request and upgrade (WebSocket) handlers attached,
 * so routing, timeouts and draining are the same as on port 80.
 */
import { createServer, type Server } from 'node:https';
import type { AppProxy } from '../proxy/proxy-server.js';
import type { SniContexts } from './sni-contexts.js';

export async function listenHttps(proxy: AppProxy, contexts: SniContexts, port: number, host: string): Promise<Server> {
  const fallback = await contexts.init();
  const server = createServer({
    ...proxy.serverOptions(),
    ...contexts.tlsOptions(),
    cert: fallback.certPem,
    key: fallback.keyPem,
    SNICallback: contexts.sniCallback,
    ALPNProtocols: ['http/1.1'],
  });
  proxy.attach(server);
  // A failed handshake (scanner, old client) is the client's problem; Node would otherwise only log it.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
