/**
 * HTTP/2 on the HTTPS listener with real TLS on loopback: curl and Node's HTTP/2 client negotiate h2 by
 * ALPN, requests reach the HTTP/1.1 upstream with a Host and no pseudo-headers, many streams share one
 * connection, connection-specific upstream headers never break an HTTP/2 answer, HTTP/1.1 keeps working on
 * the same port, the setting turns h2 off, and close() ends open sessions. Abuse (huge header lists, reset
 * and stream floods, CONTINUATION floods, slow clients) runs against both proxy modes in
 * proxy-robustness-h2.test.ts and proxy-robustness.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createLogger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { listenHttps } from '../../src/tls/https-listener.js';
import { createSelfSignedCertificate } from '../../src/tls/self-signed-certificate.js';
import { SniContexts } from '../../src/tls/sni-contexts.js';

const run = promisify(execFile);
const APP = 'h2.example.test';

interface Listener {
  proxy: AppProxy;
  port: number;
}

async function startListener(routes: RouteTable, http2: boolean): Promise<Listener> {
  const logger = createLogger('silent');
  const contexts = new SniContexts((name) => name === APP, logger);
  contexts.install(APP, await createSelfSignedCertificate(APP));
  const settings = { http2, closeGraceMs: 2_000, headersTimeoutMs: 1_000, connectionsCheckingIntervalMs: 250 };
  const proxy = new AppProxy(routes, { logger, settings });
  const server = await listenHttps(proxy, contexts, 0, '127.0.0.1');
  return { proxy, port: (server.address() as AddressInfo).port };
}

function h2Session(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://${APP}:${port}`, {
      host: '127.0.0.1',
      servername: APP,
      rejectUnauthorized: false,
    });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

function h2Get(
  session: ClientHttp2Session,
  path: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':authority': APP, ...extra });
    let status = 0;
    let headers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = h;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks).toString() }));
    stream.on('error', reject);
    stream.end();
  });
}

async function curl(port: number, flag: '--http2' | '--http1.1'): Promise<string> {
  const { stdout } = await run(
    'curl',
    ['-sk', flag, '-i', '--max-time', '10', '--resolve', `${APP}:${port}:127.0.0.1`, `https://${APP}:${port}/hello`],
    { timeout: 15_000 },
  );
  return stdout;
}

describe('HTTP/2 on the HTTPS listener', () => {
  let upstream: Server;
  let routes: RouteTable;
  let h2: Listener;
  const seen: IncomingHttpHeaders[] = [];
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  before(async () => {
    process.on('warning', onWarning);
    // The upstream itself would take big headers: only the proxy's limit can keep them out.
    upstream = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
      seen.push(req.headers);
      if (req.url === '/hop-by-hop') {
        // Headers HTTP/2 forbids, as an HTTP/1.1 app may send them.
        res.writeHead(200, { Connection: 'keep-alive', 'Keep-Alive': 'timeout=5', Upgrade: 'h2c' });
        res.write('chunk one,');
        res.end('chunk two');
        return;
      }
      res.end(`v=${req.httpVersion} proto=${req.headers['x-forwarded-proto']} path=${req.url}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    routes = new RouteTable();
    routes.setRoute([APP], 'svc_h2', [{ id: 'u1', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }]);
    h2 = await startListener(routes, true);
  });
  after(async () => {
    process.off('warning', onWarning);
    await h2?.proxy.close();
    upstream?.close();
  });

  it('curl --http2 negotiates h2 and the HTTP/1.1 upstream answers', async () => {
    const out = await curl(h2.port, '--http2');
    assert.match(out, /^HTTP\/2 200/);
    assert.match(out, /v=1\.1 proto=https path=\/hello$/);
    const last = seen.at(-1)!;
    assert.equal(last.host, `${APP}:${h2.port}`, 'Host comes from :authority');
    assert.equal(last['x-forwarded-host'], `${APP}:${h2.port}`);
    assert.deepEqual(
      Object.keys(last).filter((name) => name.startsWith(':')),
      [],
      'no pseudo-header reaches the upstream',
    );
  });

  it('HTTP/1.1 still works on the same port', async () => {
    const out = await curl(h2.port, '--http1.1');
    assert.match(out, /^HTTP\/1\.1 200 OK/);
    assert.match(out, /proto=https path=\/hello$/);
  });

  it('carries many concurrent streams on one connection', async () => {
    const session = await h2Session(h2.port);
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => h2Get(session, `/n/${i}`)));
      for (const [i, answer] of answers.entries()) {
        assert.equal(answer.status, 200);
        assert.equal(answer.body, `v=1.1 proto=https path=/n/${i}`);
      }
    } finally {
      session.close();
    }
  });

  it('drops connection-specific upstream headers instead of failing the HTTP/2 answer', async () => {
    const session = await h2Session(h2.port);
    try {
      const answer = await h2Get(session, '/hop-by-hop');
      assert.equal(answer.status, 200);
      assert.equal(answer.body, 'chunk one,chunk two');
      for (const name of ['connection', 'keep-alive', 'upgrade', 'transfer-encoding']) {
        assert.equal(answer.headers[name], undefined, name);
      }
    } finally {
      session.close();
    }
  });

  it('answers an unknown host with the proxy page, without a status-text warning', async () => {
    const session = await h2Session(h2.port);
    try {
      const answer = await h2Get(session, '/', { ':authority': 'nobody.example.test' });
      assert.equal(answer.status, 404);
      assert.match(answer.body, /404/);
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    } finally {
      session.close();
    }
  });

  it('with the http2 setting off, only HTTP/1.1 is offered', async () => {
    const plain = await startListener(routes, false);
    try {
      const out = await curl(plain.port, '--http2');
      assert.match(out, /^HTTP\/1\.1 200 OK/);
    } finally {
      await plain.proxy.close();
    }
  });

  it('close() ends open HTTP/2 sessions and HTTP/1.1 keep-alive connections', async () => {
    const own = await startListener(routes, true);
    const session = await h2Session(own.port);
    assert.equal((await h2Get(session, '/before-close')).status, 200);
    const sessionClosed = new Promise<void>((r) => session.once('close', () => r()));
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: own.port,
          servername: APP,
          path: '/',
          headers: { host: APP },
          rejectUnauthorized: false,
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
    const started = Date.now();
    await own.proxy.close();
    await sessionClosed;
    assert.ok(Date.now() - started < 5_000, `closed in ${Date.now() - started} ms`);
  });
});
