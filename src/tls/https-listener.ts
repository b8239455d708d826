/**
 * The HTTPS side of the app proxy: a server whose certificate is picked per handshake by SNI, TLS 1.2+,
 * HTTP/2 and HTTP/1.1 by ALPN (HTTP/1.1 only when the proxy's http2 setting is off), with the proxy's own
 * request and upgrade (WebSocket, HTTP/1.1) handlers attached, so routing, timeouts and draining are the
 * same as on port 80.
 */
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer, type Server } from 'node:https';
import { http2ServerOptions } from '../proxy/http2-support.js';
import type { AppProxy } from '../proxy/proxy-server.js';
import type { SniContexts } from './sni-contexts.js';

export async function listenHttps(
  proxy: AppProxy,
  contexts: SniContexts,
  port: number,
  host: string,
): Promise<Server | Http2SecureServer> {
  const fallback = await contexts.init();
  const tls = {
    ...contexts.tlsOptions(),
    handshakeTimeout: proxy.settings.tlsHandshakeTimeoutMs,
    cert: fallback.certPem,
    key: fallback.keyPem,
    SNICallback: contexts.sniCallback,
  };
  const server = proxy.settings.http2
    ? createSecureServer({ ...tls, ...http2ServerOptions(proxy.settings), ALPNProtocols: ['h2', 'http/1.1'] })
    : createServer({ ...proxy.serverOptions(), ...tls, ALPNProtocols: ['http/1.1'] });
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
