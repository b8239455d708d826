/**
 * Misbehaving clients and upstreams against the app proxy in both its modes (test/helpers/proxy-under-test.ts):
 * inline (an AppProxy in this process with the daemon's HTTP and HTTPS listeners) and the proxy's own process
 * tree (bin/berth-proxy.js, two workers, its settings from the environment, routes and certificate pushed over
 * the control channel). Every case runs in both modes, over HTTP and over HTTPS (HTTP/1.1 on the listener that
 * also offers h2): upstreams that reset mid-response or answer garbage, half-open and silent clients, oversized
 * headers, a slowloris from one address, request smuggling attempts and malformed requests. Each runs next to
 * a steady keep-alive request loop from another loopback address, which must see zero failures; the proxy must
 * stay up, release everything afterwards, and in the tree no worker may have died (same pids before and after).
 * Upstreams are node:http servers on 127.0.0.1 started here; misbehaving clients come from 127.0.0.2 and
 * 127.0.0.3 so the per-IP connection cap can be seen working without touching the steady loop. The tree's
 * workers check header timeouts every 2 s (Node's default; not a setting), so a cut-off may land up to 2 s
 * later there. HTTP/2 abuse: proxy-robustness-h2.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  collectUntilClosed,
  fetchOnce,
  openRawClient,
  selfSignedCertificate,
  startSteadyLoop,
  type Protocol,
  type Target,
} from '../helpers/proxy-clients.js';
import { PROXY_MODES, startProxyUnderTest, type ProxyUnderTest } from '../helpers/proxy-under-test.js';
import { SMUGGLED_PATH, smugglingAttempts } from '../helpers/smuggling-attempts.js';

const HOST = 'app.localhost';
const HEADERS_TIMEOUT_MS = 1000;
const MAX_CONNECTIONS_PER_IP = 50;
const PROTOCOLS: Protocol[] = ['http', 'https'];
const BIG_BODY = Buffer.alloc(4 * 1024 * 1024, 'x');
const certificate = selfSignedCertificate(HOST);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Paths the upstream was asked for (a smuggled request would show up here). */
const seenPaths: string[] = [];

async function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    seenPaths.push(req.url ?? '');
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

/**
 * Runs `misbehave` next to a steady request loop and asserts the loop never failed, and that the same
 * processes serve afterwards (in the tree: no worker crashed and was replaced).
 */
async function besideSteadyLoop(proxy: ProxyUnderTest, target: Target, misbehave: () => Promise<void>): Promise<void> {
  const pids = await proxy.servingPids();
  const loop = startSteadyLoop(target, { path: '/', expectedBody: 'ok', clients: 4 });
  const started = Date.now();
  await sleep(100);
  try {
    await misbehave();
    // The loop also covers the moments right after the misbehaviour (cleanup, timers firing).
    await sleep(Math.max(200, 600 - (Date.now() - started)));
  } finally {
    const { ok, failures } = await loop.stop();
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${ok + failures.length} steady requests failed`);
    assert.ok(ok >= 20, `the steady loop got only ${ok} answers`);
  }
  assert.deepEqual(await proxy.servingPids(), pids, `the same processes serve (${proxy.output().slice(-500)})`);
}

const skip = 'missing' in certificate ? certificate.missing : false;

for (const mode of PROXY_MODES) {
  describe(`app proxy under misbehaving clients and upstreams (${mode})`, { skip }, () => {
    let upstream: Server;
    let proxy: ProxyUnderTest;
    const inflight = () => proxy.inflight(['ctr-app']);

    before(async () => {
      upstream = await startUpstream();
      const app = { id: 'ctr-app', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port };
      proxy = await startProxyUnderTest(mode, {
        hostname: HOST,
        serviceId: 'svc_app',
        upstreams: [app],
        certificate: certificate as { cert: Buffer; key: Buffer },
        settings: {
          headersTimeoutMs: HEADERS_TIMEOUT_MS,
          keepAliveTimeoutMs: 5000,
          upstreamTimeoutMs: 5000,
          maxConnectionsPerIpPerProcess: MAX_CONNECTIONS_PER_IP,
          http2MaxConcurrentStreams: 128,
        },
      });
    });

    after(async () => {
      await proxy?.stop();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    });

    for (const protocol of PROTOCOLS) {
      const target = () => (protocol === 'http' ? proxy.http : proxy.https);

      it(`${protocol}: upstreams that reset mid-response or answer garbage fail only their own request`, async () => {
        const outcomes = new Map<string, number>();
        await besideSteadyLoop(proxy, target(), async () => {
          // 45 at once: under the per-address cap of one worker (50), which kernel balancing may hand them all to.
          const paths = Array.from({ length: 45 }, (_, i) => ['/reset', '/reset-early', '/garbage'][i % 3]!);
          await Promise.all(
            paths.map(async (path) => {
              const outcome = await fetchOnce(target(), path, { localAddress: '127.0.0.2' }).then(
                (reply) => `${path} ${reply.status}`,
                () => `${path} cut`,
              );
              outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            }),
          );
        });
        // Once the headers are out, cutting the connection is the only honest signal; before that, a 502.
        assert.deepEqual(Object.fromEntries([...outcomes].sort()), {
          '/garbage 502': 15,
          '/reset cut': 15,
          '/reset-early 502': 15,
        });
        assert.equal(await inflight(), 0);
      });

      it(`${protocol}: half-open, silent and non-reading clients are served or cut off, and release everything`, async () => {
        await besideSteadyLoop(proxy, target(), async () => {
          const open = (count: number) =>
            Promise.all(Array.from({ length: count }, () => openRawClient(target(), '127.0.0.2')));
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
              closedAfterMs >= HEADERS_TIMEOUT_MS - 100 && closedAfterMs < 3500 + proxy.cutSlackMs,
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

      it(`${protocol}: oversized request headers get 431 and the proxy goes on`, async () => {
        await besideSteadyLoop(proxy, target(), async () => {
          const requests = [
            `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`,
            `GET /${'p'.repeat(20 * 1024)} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
            `GET / HTTP/1.1\r\nHost: ${HOST}\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`,
          ];
          const answers = await Promise.all(
            Array.from({ length: 30 }, async (_, i) => {
              const socket = await openRawClient(target(), '127.0.0.2');
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

      it(`${protocol}: a slowloris from one address is capped and cut off without starving others`, async () => {
        const attempts = 3 * proxy.wholeCap;
        await besideSteadyLoop(proxy, target(), async () => {
          // Over TLS the cap applies before the handshake, so connections over it never finish one.
          const opened = await Promise.all(
            Array.from({ length: attempts }, () => openRawClient(target(), '127.0.0.3').catch(() => undefined)),
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
            return collectUntilClosed(socket, 6000 + proxy.cutSlackMs).then((result) => {
              clearInterval(timer);
              return { ...result, refused: false };
            });
          });
          const results = await Promise.all(clients);
          const cutByTimeout = results.filter((r) => /^HTTP\/1\.1 408 /.test(r.text));
          assert.ok(
            results.every((r) => r.closedAfterMs < 3500 + proxy.cutSlackMs),
            'every slow client was let go in time',
          );
          assert.ok(cutByTimeout.length <= proxy.wholeCap, `${cutByTimeout.length} got past the per-IP cap`);
          assert.ok(cutByTimeout.length >= proxy.wholeCap / 2, `only ${cutByTimeout.length} were admitted`);
          assert.ok(
            results.every((r) => r.text === '' || /^HTTP\/1\.1 408 /.test(r.text)),
            'nobody got an answer',
          );
        });
        assert.equal(
          (await fetchOnce(target(), '/', { localAddress: '127.0.0.3' })).status,
          200,
          'the address is free again',
        );
      });

      it(`${protocol}: request smuggling attempts and malformed requests get 400, never reach the app`, async () => {
        const answers: string[] = [];
        await besideSteadyLoop(proxy, target(), async () => {
          for (const { name, raw } of smugglingAttempts(HOST)) {
            const socket = await openRawClient(target(), '127.0.0.2');
            const answer = collectUntilClosed(socket, 5000);
            socket.write(raw);
            const { text, closedAfterMs } = await answer;
            const statuses = text.match(/^HTTP\/1\.1 \d+/gm) ?? [];
            answers.push(`${name}: ${statuses.join(', ') || 'nothing'}${closedAfterMs < 3000 ? '' : ', left open'}`);
          }
        });
        assert.deepEqual(
          answers,
          smugglingAttempts(HOST).map(({ name }) => `${name}: HTTP/1.1 400`),
        );
        assert.equal(seenPaths.includes(SMUGGLED_PATH), false, 'the app never saw the hidden request');
        assert.equal(await inflight(), 0);
      });
    }
  });
}
