/**
 * A real browser (Chromium) against the HTTPS listener: the page comes over HTTP/2 (ALPN h2), and a
 * WebSocket from that page still works through the proxy (over HTTP/1.1, as before).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createLogger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { listenHttps } from '../../src/tls/https-listener.js';
import { createSelfSignedCertificate } from '../../src/tls/self-signed-certificate.js';
import { SniContexts } from '../../src/tls/sni-contexts.js';
import { launchBrowser } from '../helpers/browser.js';

interface WsServer {
  handleUpgrade(req: unknown, socket: Socket, head: Buffer, done: (ws: WsPeer) => void): void;
  close(): void;
}
interface WsPeer {
  on(event: 'message', listener: (data: Buffer) => void): void;
  send(data: string): void;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as {
  WebSocketServer: new (options: { noServer: true }) => WsServer;
};

// Under .berth.test, which the test browser resolves to 127.0.0.1.
const APP = 'h2app.berth.test';
const PAGE = `<!doctype html><title>h2</title><p id="out">waiting</p><script>
const ws = new WebSocket('wss://' + location.host + '/socket');
ws.onopen = () => ws.send('ping');
ws.onmessage = (event) => { document.getElementById('out').textContent = event.data; };
ws.onerror = () => { document.getElementById('out').textContent = 'error'; };
</script>`;

describe('HTTP/2 in a real browser', () => {
  let upstream: Server;
  let sockets: WsServer;
  let proxy: AppProxy;
  let browser: Browser;
  let port: number;

  before(async () => {
    sockets = new WebSocketServer({ noServer: true });
    upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    upstream.on('upgrade', (req, socket: Socket, head: Buffer) =>
      sockets.handleUpgrade(req, socket, head, (peer) => peer.on('message', (data) => peer.send(`echo ${data}`))),
    );
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const routes = new RouteTable();
    routes.setRoute([APP], 'svc_h2', [{ id: 'u1', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }]);
    const logger = createLogger('silent');
    const contexts = new SniContexts((name) => name === APP, logger);
    contexts.install(APP, await createSelfSignedCertificate(APP));
    proxy = new AppProxy(routes, { logger });
    const server = await listenHttps(proxy, contexts, 0, '127.0.0.1');
    port = (server.address() as AddressInfo).port;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    sockets?.close();
    upstream?.close();
  });

  it('loads the page over h2 and keeps WebSockets working', async () => {
    // The certificate is self-signed for this test only; the browser is told to accept it.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      const response = await page.goto(`https://${APP}:${port}/`);
      assert.equal(response?.status(), 200);
      const protocol = await page.evaluate<string>("performance.getEntriesByType('navigation')[0].nextHopProtocol");
      assert.equal(protocol, 'h2');
      await page.waitForFunction("document.getElementById('out').textContent !== 'waiting'");
      assert.equal(await page.textContent('#out'), 'echo ping');
    } finally {
      await context.close();
    }
  });
});
