/**
 * Misbehaving clients and upstreams against the real AppProxy, over HTTP and over HTTPS (an
 * https.createServer attached with proxy.attach(), certificate made by the openssl CLI): upstreams that
 * reset mid-response or answer garbage, half-open and silent clients, oversized headers, a slowloris
 * from one address. Each runs next to a steady keep-alive request loop from another loopback address,
 * which must see zero failures; the proxy must stay up and release everything afterwards.
 * Upstreams are node:http servers on 127.0.0.1 started here; misbehaving clients come from 127.0.0.2
 * and 127.0.0.3 so the per-IP connection cap can be seen working without touching the steady loop.
 * The same cases run against the proxy's process tree (bin/berth-proxy.js, two workers, HTTP), its
 * settings from the environment and its routes pushed over the control channel. There Node checks the
 * header timeouts every 2 s (its default; not a setting), so a cut-off may land up to 2 s later.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import {
  collectUntilClosed,
  fetchOnce,
  openRawClient,
  selfSignedCertificate,
  startSteadyLoop,
  type Protocol,
  type Target,
} from '../helpers/proxy-clients.js';
import { startProxyTree, type ProxyTree } from '../helpers/proxy-process-target.js';

const HOST = 'app.localhost';
const HEADERS_TIMEOUT_MS = 1000;
const MAX_CONNECTIONS_PER_IP = 50;
const BIG_BODY = Buffer.alloc(4 * 1024 * 1024, 'x');
const certificate = selfSignedCertificate(HOST);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    switch (req.url) {
      case '/reset': // headers and part of the body, then the connection is cut
        res.writeHead(200, { 'content-length': '1000' });
        res.write('partial');
        setTimeout(() => req.socket.destroy(), 5);
        return;
      case '/reset-early': // cut before any answer
        req.socket.destroy();
        return;
      case '/garbage': // not HTTP at all
        req.socket.end('\x00\x01 this is not http\r\n\r\n');
        return;
      case '/big':
        res.end(BIG_BODY);
        return;
      default:
        res.end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Runs `misbehave` next to a steady request loop and asserts the loop never failed. */
async function besideSteadyLoop(target: Target, misbehave: () => Promise<void>): Promise<void> {
  const loop = startSteadyLoop(target, { path: '/', expectedBody: 'ok', clients: 4 });
  const started = Date.now();
  await sleep(100);
  try {
    await misbehave();
    // The loop also covers the moments right after the misbehaviour (cleanup, timers firing).
    await sleep(Math.max(200, 1000 - (Date.now() - started)));
  } finally {
    const { ok, failures } = await loop.stop();
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${ok + failures.length} steady requests failed`);
    assert.ok(ok >= 20, `the steady loop got only ${ok} answers`);
  }
}

const VARIANTS: Array<{ protocol: Protocol; mode: 'inline' | 'process' }> = [
  { protocol: 'http', mode: 'inline' },
  { protocol: 'https', mode: 'inline' },
  { protocol: 'http', mode: 'process' },
];

for (const { protocol, mode } of VARIANTS) {
  const skip = protocol === 'https' && 'missing' in certificate ? certificate.missing : false;
  /** How much later than inline a header-timeout cut may land (Node's 2 s check interval in the tree). */
  const slack = mode === 'process' ? 1900 : 0;
  /**
   * The cap of the whole proxy: the tree's two workers hold half each, so it gets twice the inline cap
   * and each worker holds what the inline proxy holds (60 bursty requests from one address fit in it).
   */
  const cap = mode === 'process' ? 2 * MAX_CONNECTIONS_PER_IP : MAX_CONNECTIONS_PER_IP;

  describe(`app proxy under misbehaving clients and upstreams (${protocol}, ${mode})`, { skip }, () => {
    const routes = new RouteTable();
    let upstream: Server;
    let proxy: AppProxy | undefined;
    let tree: ProxyTree | undefined;
    let target: Target;
    const inflight = () => (tree ? tree.inflight(['ctr-app']) : Promise.resolve(routes.inflight.count('ctr-app')));

    before(async () => {
      upstream = await startUpstream();
      const upstreamPort = (upstream.address() as AddressInfo).port;
      const app = { id: 'ctr-app', host: '127.0.0.1', port: upstreamPort };
      if (mode === 'process') {
        const state = { routes: [{ serviceId: 'svc_app', hostnames: [HOST], upstreams: [app], fallback: [] }] };
        tree = await startProxyTree(
          { ...state, unavailable: [], certificates: [], challenges: [], hosts: [], settings: {} },
          {
            BERTH_PROXY_WORKERS: '2',
            BERTH_PROXY_HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_MS / 1000),
            BERTH_PROXY_KEEPALIVE_TIMEOUT_SECONDS: '5',
            BERTH_PROXY_UPSTREAM_TIMEOUT_SECONDS: '5',
            BERTH_PROXY_MAX_CONNECTIONS_PER_IP: String(cap),
          },
          async (t) => (await fetchOnce({ protocol, port: t.httpPort, host: HOST }, '/')).status === 200,
        );
        target = { protocol, port: tree.httpPort, host: HOST };
        return;
      }
      routes.setRoute([HOST], 'svc_app', [app]);
      const inline = new AppProxy(routes, {
        logger: createLogger('silent'),
        settings: {
          headersTimeoutMs: HEADERS_TIMEOUT_MS,
          tlsHandshakeTimeoutMs: HEADERS_TIMEOUT_MS,
          connectionsCheckingIntervalMs: 100,
          keepAliveTimeoutMs: 5000,
          upstreamTimeoutMs: 5000,
          maxConnectionsPerIp: MAX_CONNECTIONS_PER_IP,
        },
      });
      proxy = inline;
      if (protocol === 'http') {
        await inline.listenHttp(0, '127.0.0.1');
        target = { protocol, port: inline.httpAddress()!.port, host: HOST };
      } else {
        const tls = certificate as { cert: Buffer; key: Buffer };
        const server = createHttpsServer({ ...tls, ...inline.serverOptions() });
        inline.attach(server);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        target = { protocol, port: (server.address() as AddressInfo).port, host: HOST, ca: tls.cert };
      }
    });

    after(async () => {
      await proxy?.close();
      await tree?.stop();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it('upstreams that reset mid-response or answer garbage fail only their own request', async () => {
      const outcomes = new Map<string, number>();
      await besideSteadyLoop(target, async () => {
        const paths = Array.from({ length: 60 }, (_, i) => ['/reset', '/reset-early', '/garbage'][i % 3]!);
        await Promise.all(
          paths.map(async (path) => {
            const outcome = await fetchOnce(target, path, { localAddress: '127.0.0.2' }).then(
              (reply) => `${path} ${reply.status}`,
              () => `${path} cut`,
            );
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          }),
        );
      });
      // Once the headers are out, cutting the connection is the only honest signal; before that, a 502.
      assert.deepEqual(Object.fromEntries([...outcomes].sort()), {
        '/garbage 502': 20,
        '/reset cut': 20,
        '/reset-early 502': 20,
      });
      assert.equal(await inflight(), 0);
    });

    it('half-open, silent and non-reading clients are served or cut off, and release everything', async () => {
      await besideSteadyLoop(target, async () => {
        const open = (count: number) =>
          Promise.all(Array.from({ length: count }, () => openRawClient(target, '127.0.0.2')));
        // A whole request, then the client closes its sending side. Node's HTTP server treats that as the
        // client giving up (it aborts the request, which aborts the upstream request), so the client may
        // or may not see the answer; either way the connection must be let go at once.
        const halfClosed = await open(10);
        const answered = halfClosed.map((socket) => collectUntilClosed(socket, 5000));
        for (const socket of halfClosed) socket.end(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
        // Half a request, then its sending side closes: the proxy lets it go.
        const truncated = await open(10);
        const dropped = truncated.map((socket) => collectUntilClosed(socket, 5000));
        for (const socket of truncated) socket.end(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Half`);
        // Connected, never a byte: cut off at the headers timeout.
        const connectingAt = Date.now(); // the headers timeout runs from the connection, TLS handshake included
        const silent = (await open(10)).map((socket) => collectUntilClosed(socket, 5000, connectingAt));
        // Asks for 4 MiB and never reads it: backpressure, then the client vanishes.
        const stalled = await open(10);
        for (const socket of stalled) {
          socket.pause();
          socket.write(`GET /big HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
        }

        for (const { text, closedAfterMs } of await Promise.all(answered)) {
          assert.ok(text === '' || /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/.test(text), text.slice(0, 80));
          assert.ok(closedAfterMs < 3000);
        }
        for (const { closedAfterMs } of await Promise.all(dropped)) assert.ok(closedAfterMs < 3000);
        for (const { text, closedAfterMs } of await Promise.all(silent)) {
          assert.ok(
            closedAfterMs >= HEADERS_TIMEOUT_MS - 100 && closedAfterMs < 3500 + slack,
            `cut after ${closedAfterMs} ms`,
          );
          if (protocol === 'http') assert.match(text, /^HTTP\/1\.1 408 /);
        }
        await sleep(300);
        assert.ok((await inflight()) >= 1, 'the non-reading clients are still being served');
        for (const socket of stalled) socket.destroy();
      });
      const deadline = Date.now() + 3000;
      while ((await inflight()) > 0 && Date.now() < deadline) await sleep(20);
      assert.equal(await inflight(), 0, 'every request released its upstream');
    });

    it('oversized request headers get 431 and the proxy goes on', async () => {
      await besideSteadyLoop(target, async () => {
        const requests = [
          `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`,
          `GET /${'p'.repeat(20 * 1024)} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
          `GET / HTTP/1.1\r\nHost: ${HOST}\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`,
        ];
        const answers = await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const socket = await openRawClient(target, '127.0.0.2');
            const answer = collectUntilClosed(socket, 5000);
            socket.write(requests[i % requests.length]!);
            return answer;
          }),
        );
        for (const { text, closedAfterMs } of answers) {
          assert.match(text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
          assert.ok(closedAfterMs < 3000);
        }
      });
    });

    it('a slowloris from one address is capped and cut off without starving others', async () => {
      const attempts = 3 * cap;
      await besideSteadyLoop(target, async () => {
        // Over TLS the cap applies before the handshake, so connections over it never finish one.
        const opened = await Promise.all(
          Array.from({ length: attempts }, () => openRawClient(target, '127.0.0.3').catch(() => undefined)),
        );
        const clients = opened.map((socket) => {
          if (socket === undefined) return Promise.resolve({ text: '', closedAfterMs: 0, refused: true });
          const lines = [
            `GET / HTTP/1.1\r\n`,
            `Host: ${HOST}\r\n`,
            ...Array.from({ length: 50 }, (_, i) => `X-${i}: y\r\n`),
          ];
          const timer = setInterval(() => {
            if (lines.length > 0 && socket.writable) socket.write(lines.shift()!);
          }, 150);
          return collectUntilClosed(socket, 6000 + slack).then((result) => {
            clearInterval(timer);
            return { ...result, refused: false };
          });
        });
        const results = await Promise.all(clients);
        const cutByTimeout = results.filter((r) => /^HTTP\/1\.1 408 /.test(r.text));
        assert.ok(
          results.every((r) => r.closedAfterMs < 3500 + slack),
          'every slow client was let go in time',
        );
        assert.ok(cutByTimeout.length <= cap, `${cutByTimeout.length} got past the per-IP cap`);
        assert.ok(cutByTimeout.length >= cap / 2, `only ${cutByTimeout.length} were admitted`);
        assert.ok(
          results.every((r) => r.text === '' || /^HTTP\/1\.1 408 /.test(r.text)),
          'nobody got an answer',
        );
      });
      assert.equal(
        (await fetchOnce(target, '/', { localAddress: '127.0.0.3' })).status,
        200,
        'the address is free again',
      );
    });
  });
}
