/**
 * The HTTPS listener on its own, with real TLS on loopback: certificate choice by SNI, a self-signed
 * certificate for a served name without one yet, rotation by swapping the context, TLS 1.2 as the floor,
 * session resumption across handshakes, and WebSockets through the proxy over TLS. The certificates are
 * self-signed (made by Berth's openssl wrapper) and trusted by the client directly.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import { request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createLogger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { listenHttps } from '../../src/tls/https-listener.js';
import { createSelfSignedCertificate, type KeyPair } from '../../src/tls/self-signed-certificate.js';
import { SniContexts } from '../../src/tls/sni-contexts.js';

const APP = 'ws.example.test';
const PENDING = 'pending.example.test';

function handshake(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...options });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('HTTPS listener', () => {
  let upstream: Server;
  let server: HttpsServer | Http2SecureServer;
  let proxy: AppProxy;
  let contexts: SniContexts;
  let port: number;
  let first: KeyPair;

  before(async () => {
    upstream = createServer((req, res) => res.end(`plain ${req.headers['x-forwarded-proto']}`));
    upstream.on('upgrade', (req, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (chunk) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const routes = new RouteTable();
    routes.setRoute([APP], 'svc_ws', [{ id: 'u1', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }]);
    const logger = createLogger('silent');
    contexts = new SniContexts((name) => name === APP || name === PENDING, logger);
    first = await createSelfSignedCertificate(APP);
    contexts.install(APP, first);
    proxy = new AppProxy(routes, { logger });
    server = await listenHttps(proxy, contexts, 0, '127.0.0.1');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await proxy?.close();
    upstream?.close();
  });

  it('serves HTTP/1.1 for a routed name with its certificate, with forward-secret AEAD ciphers only', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          servername: APP,
          headers: { host: APP },
          ca: first.certPem,
          agent: false,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'plain https');
    const tls12 = await handshake(port, { servername: APP, ca: first.certPem, maxVersion: 'TLSv1.2' });
    assert.match(tls12.getCipher().name, /^ECDHE-ECDSA-(AES\d+-GCM|CHACHA20)/);
    tls12.end();
    // A client that only offers an old CBC suite gets no connection.
    await assert.rejects(
      handshake(port, { servername: APP, ca: first.certPem, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' }),
    );
  });

  it('resumes TLS sessions', async () => {
    const one = await handshake(port, { servername: APP, ca: first.certPem, maxVersion: 'TLSv1.2' });
    const session = one.getSession();
    one.end();
    assert.ok(session);
    const two = await handshake(port, { servername: APP, ca: first.certPem, maxVersion: 'TLSv1.2', session });
    assert.equal(two.isSessionReused(), true);
    two.end();
  });

  it('tunnels a WebSocket over TLS', async () => {
    const socket = await handshake(port, { servername: APP, ca: first.certPem, ALPNProtocols: ['http/1.1'] });
    assert.equal(socket.alpnProtocol, 'http/1.1');
    socket.write(
      `GET /socket HTTP/1.1\r\nHost: ${APP}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let received = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('\r\n\r\n') && !received.includes('echo:')) socket.write('ping');
        if (received.includes('echo:ping')) resolve();
      });
    });
    assert.match(received, /^HTTP\/1\.1 101/);
    socket.destroy();
  });

  it('serves a self-signed certificate for a served name without one, and the generic one for unknown names', async () => {
    const pending = await handshake(port, { servername: PENDING, rejectUnauthorized: false });
    assert.equal(pending.getPeerCertificate().subject.CN, PENDING);
    pending.end();
    const unknown = await handshake(port, { servername: 'other.example.test', rejectUnauthorized: false });
    assert.equal(unknown.getPeerCertificate().subject.CN, 'berth.invalid');
    unknown.end();
  });

  it('rotates a certificate by swapping its context: the next handshake gets the new one', async () => {
    const before = await handshake(port, { servername: APP, ca: first.certPem });
    const oldSerial = before.getPeerCertificate().serialNumber;
    const next = await createSelfSignedCertificate(APP);
    contexts.install(APP, next);
    const after = await handshake(port, { servername: APP, ca: next.certPem });
    assert.notEqual(after.getPeerCertificate().serialNumber, oldSerial);
    assert.equal(after.authorized, true);
    // The connection made before the swap keeps working.
    assert.equal(before.writable, true);
    before.end();
    after.end();
  });
});
