/**
 * HTTP/2 abuse against the app proxy in both its modes (test/helpers/proxy-under-test.ts: inline, and the
 * proxy's own process tree with two workers): an oversized header list, a CONTINUATION flood, a rapid-reset
 * flood and a stream flood past the advertised concurrency limit, the last three written frame by frame
 * (test/helpers/h2-raw-client.ts, every flood bounded). Each gets an error (a 431, refused streams, the
 * session ended, and a session nghttp2 ended closed like an idle one), reaches the app with nothing it should not, leaves no request counted in flight, and runs
 * next to a steady HTTP/2 request loop on another connection that must see zero failures; in the tree no
 * worker may have died (same pids before and after). HTTP/1.1 abuse: proxy-robustness.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ERROR, FLAG, FRAME, frame, hpackField, openRawH2, requestBlock, rstStream } from '../helpers/h2-raw-client.js';
import { h2Get, h2Session, startH2SteadyLoop, type H2Target } from '../helpers/h2-clients.js';
import { selfSignedCertificate } from '../helpers/proxy-clients.js';
import { PROXY_MODES, startProxyUnderTest, type ProxyUnderTest } from '../helpers/proxy-under-test.js';

const HOST = 'h2.localhost';
const MAX_STREAMS = 16;
const KEEPALIVE_MS = 2000;
const certificate = selfSignedCertificate(HOST);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the upstream saw: every path, whether a big header got through, the most /slow requests at once. */
const seen = { paths: [] as string[], bigHeader: false, slowNow: 0, slowMost: 0 };

async function startUpstream(): Promise<Server> {
  const server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    seen.paths.push(req.url ?? '');
    if (req.headers['x-big-0'] !== undefined) seen.bigHeader = true;
    if (req.url?.startsWith('/slow')) {
      seen.slowMost = Math.max(seen.slowMost, ++seen.slowNow);
      res.once('close', () => seen.slowNow--);
      setTimeout(() => res.end('slow'), 400);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Runs `abuse` next to a steady HTTP/2 loop on its own connection; the loop must not fail, no worker die. */
async function besideSteadyLoop(proxy: ProxyUnderTest, abuse: () => Promise<void>): Promise<void> {
  const pids = await proxy.servingPids();
  const loop = startH2SteadyLoop(proxy.https, { path: '/', expectedBody: 'ok', streams: 4 });
  const started = Date.now();
  await sleep(100);
  try {
    await abuse();
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
  describe(`app proxy under HTTP/2 abuse (${mode})`, { skip }, () => {
    let upstream: Server;
    let proxy: ProxyUnderTest;
    let target: H2Target;
    const raw = () => openRawH2(target.port, HOST, target.ca);

    before(async () => {
      upstream = await startUpstream();
      proxy = await startProxyUnderTest(mode, {
        hostname: HOST,
        serviceId: 'svc_h2',
        upstreams: [{ id: 'ctr-h2', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }],
        certificate: certificate as { cert: Buffer; key: Buffer },
        settings: {
          headersTimeoutMs: 2000,
          keepAliveTimeoutMs: KEEPALIVE_MS,
          upstreamTimeoutMs: 5000,
          maxConnectionsPerIpPerProcess: 100,
          http2MaxConcurrentStreams: MAX_STREAMS,
        },
      });
      target = { port: proxy.https.port, host: HOST, ca: proxy.https.ca };
    });

    after(async () => {
      await proxy?.stop();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it('an oversized header list gets 431, too many header fields a reset stream; neither reaches the app', async () => {
      const outcomes: string[] = [];
      await besideSteadyLoop(proxy, async () => {
        const session = await h2Session(target);
        const huge = 'x'.repeat(8_000);
        const big = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`x-big-${i}`, huge]));
        const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-many-${i}`, 'v']));
        for (const headers of [big, many]) {
          outcomes.push(
            await h2Get(session, HOST, '/big', headers).then(
              (answer) => `status ${answer.status}`,
              (error: NodeJS.ErrnoException) => `error ${error.code}`,
            ),
          );
        }
        session.destroy();
      });
      // 32 KB of headers: the proxy's 431. 300 fields: past maxHeaderListPairs, Node resets the stream.
      assert.deepEqual(outcomes, ['status 431', 'error ERR_HTTP2_STREAM_ERROR']);
      assert.equal(seen.bigHeader, false, 'the upstream never saw the big header');
      assert.equal(seen.paths.includes('/big'), false);
    });

    it('a CONTINUATION flood ends the session; the request never reaches the app', async () => {
      const attacker = await raw();
      await sleep(100); // the server's SETTINGS are read and acknowledged first, as a client would
      let sent = 0;
      await besideSteadyLoop(proxy, async () => {
        attacker.send(frame(FRAME.HEADERS, 0, 1, requestBlock(HOST, '/continuation')));
        // Bounded: at most 2,000 frames of 1 KB, in bursts of 50, until the server hangs up.
        while (sent < 2_000 && !(await attacker.closedWithin(5))) {
          attacker.send(
            ...Array.from({ length: 50 }, () =>
              frame(FRAME.CONTINUATION, 0, 1, hpackField(`x-c${sent++}`, 'v'.repeat(1000))),
            ),
          );
        }
        assert.ok(await attacker.closedWithin(3000), `the session is still open after ${sent} CONTINUATION frames`);
      });
      assert.notEqual(attacker.goawayCode(), undefined, 'the server said GOAWAY');
      assert.equal(seen.paths.includes('/continuation'), false);
      assert.ok(sent < 2_000, `the server took ${sent} CONTINUATION frames`);
      assert.equal(await proxy.inflight(['ctr-h2']), 0);
    });

    it('a rapid-reset flood (bounded: 2,000 streams) costs the attacker its session, nobody else anything', async () => {
      const attacker = await raw();
      let opened = 0;
      await besideSteadyLoop(proxy, async () => {
        while (opened < 2_000 && attacker.goawayCode() === undefined && !(await attacker.closedWithin(5))) {
          const burst: Buffer[] = [];
          for (let i = 0; i < 100; i++, opened++) {
            const id = 2 * opened + 1;
            burst.push(
              frame(FRAME.HEADERS, FLAG.END_STREAM | FLAG.END_HEADERS, id, requestBlock(HOST, `/reset/${id}`)),
            );
            burst.push(rstStream(id, ERROR.CANCEL));
          }
          attacker.send(...burst);
        }
        // nghttp2's reset limit ends the session with a GOAWAY once it has handled what was queued (slow
        // on a busy machine, hence the generous bound).
        const deadline = Date.now() + 10_000;
        while (attacker.goawayCode() === undefined && Date.now() < deadline) await sleep(20);
      });
      attacker.destroy();
      // The session is ended with a GOAWAY; of the streams only a handful reached the app.
      const reached = seen.paths.filter((path) => path.startsWith('/reset/')).length;
      assert.notEqual(
        attacker.goawayCode(),
        undefined,
        `no GOAWAY after ${opened} streams (${reached} reached the app)`,
      );
      assert.ok(reached < 100, `${reached} of ${opened} reset streams reached the app`);
      const deadline = Date.now() + 3000;
      while ((await proxy.inflight(['ctr-h2'])) > 0 && Date.now() < deadline) await sleep(50);
      assert.equal(await proxy.inflight(['ctr-h2']), 0, 'every reset stream released its upstream request');
    });

    it(`a stream flood past the advertised limit (${MAX_STREAMS}) ends the session; at most the limit reach the app`, async () => {
      const attacker = await raw();
      await sleep(100); // the server's SETTINGS (the limit) arrive first, as a client would read them
      await besideSteadyLoop(proxy, async () => {
        attacker.send(
          ...Array.from({ length: 300 }, (_, i) =>
            frame(FRAME.HEADERS, FLAG.END_STREAM | FLAG.END_HEADERS, 2 * i + 1, requestBlock(HOST, `/slow/${i}`)),
          ),
        );
        // Past the acknowledged limit the client breaks the protocol: Node ends the session (no GOAWAY).
        assert.ok(await attacker.closedWithin(5000), 'the session was ended');
      });
      assert.ok(seen.slowMost <= MAX_STREAMS, `the app had ${seen.slowMost} requests of the flood at once`);
      const deadline = Date.now() + 3000;
      while ((await proxy.inflight(['ctr-h2'])) > 0 && Date.now() < deadline) await sleep(50);
      assert.equal(await proxy.inflight(['ctr-h2']), 0);
    });

    it('a session nghttp2 ended (a frame inside a header block) is closed within the keep-alive time', async () => {
      const attacker = await raw();
      await sleep(100); // the server's SETTINGS are read and acknowledged first
      const started = Date.now();
      await besideSteadyLoop(proxy, async () => {
        // A PING between HEADERS and its CONTINUATION: a connection error. nghttp2 says GOAWAY and stops
        // reading; the proxy must then let the connection go like an idle one (not after the upstream timeout).
        attacker.send(
          frame(FRAME.HEADERS, 0, 1, requestBlock(HOST, '/interrupted')),
          frame(FRAME.PING, 0, 0, Buffer.alloc(8)),
        );
        assert.ok(await attacker.closedWithin(KEEPALIVE_MS + 2000), `still open after ${Date.now() - started} ms`);
      });
      assert.equal(attacker.goawayCode(), ERROR.PROTOCOL_ERROR);
      assert.equal(seen.paths.includes('/interrupted'), false);
    });
  });
}
