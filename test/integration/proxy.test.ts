/**
 * The app proxy against real upstreams: tiny node:http servers on 127.0.0.1 (no Docker), the proxy on a
 * free loopback port, requests with the Host header a browser would send. Every load loop is bounded in
 * count and in time.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger, type Logger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable, type Upstream } from '../../src/proxy/route-table.js';

const LOOPBACK = '127.0.0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- upstreams ----------

interface TestUpstream extends Upstream {
  name: string;
  server: Server;
  /** TCP connections the proxy opened to this upstream. */
  connections: number;
  /** Requests currently inside the handler. */
  active: number;
  lastHeaders: IncomingHttpHeaders | undefined;
  close(): Promise<void>;
}

async function startUpstream(name: string): Promise<TestUpstream> {
  const server = createServer((req, res) => {
    upstream.lastHeaders = req.headers;
    upstream.active++;
    res.once('close', () => upstream.active--);
    const path = req.url ?? '/';
    if (path.startsWith('/slow')) {
      setTimeout(() => res.end(`${name} slow`), 1000);
    } else if (path === '/reset') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    } else if (path === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    } else if (path === '/chunked') {
      res.write(`${name} `);
      setTimeout(() => res.end('chunked'), 10);
    } else if (path === '/hang') {
      /* never answers */
    } else {
      // A Keep-Alive hint like a default Node server sends: the proxy must not pass it to clients.
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name, 'set-cookie': ['a=1', 'b=2'] });
      res.end(name);
    }
  });
  server.on('connection', () => upstream.connections++);
  const tunnels = new Set<Socket>();
  server.on('upgrade', (req, socket: Socket) => {
    upstream.lastHeaders = req.headers;
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC11B65`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.on('data', (frame: Buffer) => {
      const text = unmaskTextFrame(frame);
      if (text !== undefined) socket.write(textFrame(`${name} echo: ${text}`));
    });
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as AddressInfo).port;
  const upstream: TestUpstream = {
    id: `ctr-${name}`,
    host: LOOPBACK,
    port,
    name,
    server,
    connections: 0,
    active: 0,
    lastHeaders: undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
      }),
  };
  return upstream;
}

/** Unmasked server → client text frame (payload under 126 bytes). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

/** Masked client → server text frame. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

function unmaskTextFrame(frame: Buffer): string | undefined {
  if (frame.length < 6 || frame[0] !== 0x81) return undefined;
  const length = frame[1]! & 0x7f;
  const mask = frame.subarray(2, 6);
  return Buffer.from(frame.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]!)).toString();
}

// ---------- client helpers ----------

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(
  port: number,
  host: string | undefined,
  path = '/',
  options: { headers?: Record<string, string | string[]>; agent?: Agent | false; method?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { ...options.headers };
    if (host !== undefined) headers.host = host;
    const req = request(
      { host: LOOPBACK, port, path, method: options.method ?? 'GET', headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes and collects whatever comes back until the proxy closes the connection. */
function rawExchange(port: number, chunks: string[], gapMs = 0, maxMs = 5000): Promise<{ text: string; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, LOOPBACK);
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      clearTimeout(limit);
      socket.destroy();
      resolve({ text, ms: Date.now() - started });
    };
    const limit = setTimeout(done, maxMs);
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('close', done);
    socket.on('error', () => {});
    socket.on('connect', () => {
      let index = 0;
      const sendNext = () => {
        if (index >= chunks.length || socket.destroyed) return;
        socket.write(chunks[index++]!);
        timer = setTimeout(sendNext, gapMs);
      };
      sendNext();
    });
  });
}

// ---------- the suite ----------

describe('app proxy (HTTP)', () => {
  const routes = new RouteTable();
  let proxy: AppProxy;
  let port: number;
  let blue: TestUpstream[];
  let green: TestUpstream[];
  let solo: TestUpstream;
  let deadPort: number;

  before(async () => {
    blue = await Promise.all(['blue-1', 'blue-2', 'blue-3'].map(startUpstream));
    green = await Promise.all(['green-1', 'green-2'].map(startUpstream));
    solo = await startUpstream('solo');
    const dead = await startUpstream('dead');
    deadPort = dead.port;
    await dead.close();
    proxy = new AppProxy(routes, {
      logger: createLogger('silent'),
      settings: { headersTimeoutMs: 500, connectionsCheckingIntervalMs: 100, upstreamTimeoutMs: 2000 },
    });
    await proxy.listenHttp(0, LOOPBACK);
    port = proxy.httpAddress()!.port;
    routes.setRoute(['web-shop.localhost', 'shop.example.com'], 'svc_shop', blue);
    routes.setRoute(['solo.localhost'], 'svc_solo', [solo]);
  });

  after(async () => {
    await proxy.close();
    await Promise.all([...blue, ...green, solo].map((u) => u.close()));
  });

  it('routes by Host header, whatever its spelling', async () => {
    assert.equal((await get(port, 'solo.localhost')).body, 'solo');
    assert.equal((await get(port, 'SOLO.localhost:80')).body, 'solo');
    assert.match((await get(port, 'shop.example.com.')).body, /^blue-\d$/);
  });

  it('spreads requests round robin over the replicas', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const { body } = await get(port, 'web-shop.localhost');
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...counts].sort()), { 'blue-1': 10, 'blue-2': 10, 'blue-3': 10 });
  });

  it('answers unknown, missing and invalid hosts with its own 404 page', async () => {
    for (const host of ['unknown.localhost', 'localhost', '127.0.0.1', 'solo.localhost.evil.com']) {
      const reply = await get(port, host);
      assert.equal(reply.status, 404, host);
      assert.match(reply.headers['content-type'] ?? '', /text\/html/);
      assert.match(reply.body, /No application is served at this address/);
      assert.doesNotMatch(reply.body, /solo|blue|green|berth|panel|login/i, 'nothing from any app or the panel');
    }
    const noHost = await rawExchange(port, ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n']);
    assert.match(noHost.text, /^HTTP\/1\.1 404 /);
    const http10 = await rawExchange(port, ['GET / HTTP/1.0\r\n\r\n']);
    assert.match(http10.text, /^HTTP\/1\.1 404 /);
  });

  it('answers 503 for a known host with no running container', async () => {
    routes.setRoute(['empty.localhost'], 'svc_empty', []);
    const reply = await get(port, 'empty.localhost');
    assert.equal(reply.status, 503);
    assert.match(reply.body, /not running right now/);
    routes.removeService('svc_empty');
  });

  it('gives a 502 for a dead upstream and keeps serving the next request', async () => {
    routes.setRoute(['dead.localhost'], 'svc_dead', [{ id: 'ctr-dead', host: LOOPBACK, port: deadPort }]);
    const failed = await get(port, 'dead.localhost');
    assert.equal(failed.status, 502);
    assert.match(failed.body, /did not answer properly/);
    assert.match(String(failed.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal((await get(port, 'solo.localhost')).body, 'solo');
    // A replica that refuses connections is skipped for requests without a body.
    routes.setRoute(['mixed.localhost'], 'svc_mixed', [{ id: 'ctr-dead', host: LOOPBACK, port: deadPort }, solo]);
    for (let i = 0; i < 6; i++) assert.equal((await get(port, 'mixed.localhost')).status, 200);
    routes.removeService('svc_dead');
    routes.removeService('svc_mixed');
    assert.equal(routes.inflight.count('ctr-dead'), 0);
  });

  it('cuts the client connection when the upstream resets mid-response, and stays up', async () => {
    await assert.rejects(get(port, 'solo.localhost', '/reset'));
    assert.equal((await get(port, 'solo.localhost')).body, 'solo');
  });

  it('carries request bodies, chunked responses, HEAD and HTTP/1.0 clients', async () => {
    const body = randomBytes(1024 * 1024);
    for (const expectContinue of [false, true]) {
      const echoed = await new Promise<Buffer>((resolve, reject) => {
        const headers: Record<string, string | number> = { host: 'solo.localhost', 'content-length': body.length };
        if (expectContinue) headers.expect = '100-continue';
        const req = request({ host: LOOPBACK, port, path: '/echo', method: 'POST', headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        });
        req.on('error', reject);
        if (expectContinue) req.on('continue', () => req.end(body));
        else req.end(body);
      });
      assert.ok(echoed.equals(body), `1 MiB body echoed byte for byte (expect: ${expectContinue})`);
    }
    assert.equal(solo.lastHeaders!.expect, undefined, 'the proxy answered 100-continue itself');

    const chunked = await get(port, 'solo.localhost', '/chunked');
    assert.equal(chunked.body, 'solo chunked');
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');

    const head = await get(port, 'solo.localhost', '/', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');

    const http10 = await rawExchange(port, ['GET /chunked HTTP/1.0\r\nHost: solo.localhost\r\n\r\n']);
    assert.match(http10.text, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(http10.text, /transfer-encoding/i, 'no chunked framing for an HTTP/1.0 client');
    assert.match(http10.text, /\r\n\r\nsolo chunked$/);
  });

  it('gives a 504 when the upstream does not answer in time', async () => {
    const started = Date.now();
    const reply = await get(port, 'solo.localhost', '/hang');
    assert.equal(reply.status, 504);
    assert.ok(Date.now() - started >= 1900, 'waited for the upstream timeout');
    assert.equal(routes.inflight.count(solo.id), 0);
  });

  it('sets X-Forwarded-* and X-Request-Id, replacing what the client claimed', async () => {
    const reply = await get(port, 'Solo.localhost:8080', '/', {
      headers: {
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'https',
        forwarded: 'for=6.6.6.6',
        'x-request-id': 'client-req-0001',
      },
    });
    assert.equal(reply.status, 200);
    const seen = solo.lastHeaders!;
    assert.equal(seen['x-forwarded-for'], LOOPBACK);
    assert.equal(seen['x-real-ip'], LOOPBACK);
    assert.equal(seen['x-forwarded-proto'], 'http');
    assert.equal(seen['x-forwarded-host'], 'Solo.localhost:8080');
    assert.equal(seen['x-forwarded-port'], String(port));
    assert.equal(seen.forwarded, undefined);
    assert.equal(seen['x-request-id'], 'client-req-0001', 'a safe incoming id is kept');
    assert.equal(reply.headers['x-request-id'], 'client-req-0001', 'and the client gets it back');
    assert.equal(seen.host, 'Solo.localhost:8080', 'the app sees the Host the client sent');

    await get(port, 'solo.localhost', '/', { headers: { 'x-request-id': 'short' } });
    assert.match(String(solo.lastHeaders!['x-request-id']), /^[0-9a-f-]{36}$/, 'an unsafe id is replaced');
    const generated = await get(port, 'solo.localhost');
    assert.match(String(solo.lastHeaders!['x-request-id']), /^[0-9a-f-]{36}$/, 'a missing id is generated');
    assert.equal(generated.headers['x-request-id'], solo.lastHeaders!['x-request-id'], 'the client sees the same id');
  });

  it('passes response headers through without hop-by-hop ones', async () => {
    const reply = await get(port, 'solo.localhost', '/', { agent: new Agent({ keepAlive: true }) });
    assert.equal(reply.headers['x-upstream'], 'solo');
    assert.deepEqual(reply.headers['set-cookie'], ['a=1', 'b=2']);
    // keep-alive here is the proxy's own answer for this client connection, not the upstream's hint
    assert.equal(reply.headers['connection'], 'keep-alive');
    assert.match(String(reply.headers['keep-alive']), /^timeout=30$/);
  });

  it('reuses upstream connections for clients that send Connection: close', async () => {
    const target = await startUpstream('close-test');
    routes.setRoute(['close.localhost'], 'svc_close', [target]);
    for (let i = 0; i < 200; i++) {
      const reply = await get(port, 'close.localhost', '/', { headers: { connection: 'close' } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.connection, 'close', 'the client still gets its Connection: close');
    }
    assert.ok(target.connections <= 2, `200 requests used ${target.connections} upstream connections`);
    assert.equal(target.lastHeaders!.connection, 'keep-alive', 'the client’s close did not reach the upstream');
    routes.removeService('svc_close');
    await target.close();
  });

  it('passes WebSockets through and counts them for draining', async () => {
    const key = randomBytes(16).toString('base64');
    const { socket, head } = await new Promise<{ socket: Socket; head: Buffer }>((resolve, reject) => {
      const req = request({
        host: LOOPBACK,
        port,
        path: '/ws',
        headers: {
          host: 'solo.localhost',
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-key': key,
          'sec-websocket-version': '13',
        },
      });
      req.on('upgrade', (res, socket, head) => {
        const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC11B65`).digest('base64');
        assert.equal(res.headers['sec-websocket-accept'], expected);
        resolve({ socket, head });
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(head.length, 0);
    assert.equal(routes.inflight.count(solo.id), 1, 'an open WebSocket counts as in flight');
    const reply = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(maskedTextFrame('hello'));
    const frame = await reply;
    assert.equal(frame.subarray(2).toString(), 'solo echo: hello');
    assert.equal(solo.lastHeaders!.upgrade, 'websocket');
    assert.equal(solo.lastHeaders!.connection, 'Upgrade');
    assert.equal(solo.lastHeaders!['x-forwarded-for'], LOOPBACK);
    assert.match(String(solo.lastHeaders!['x-request-id']), /^[0-9a-f-]{36}$/);
    const drained = routes.waitForDrain([solo.id], 2000);
    routes.setRoute(['solo.localhost'], 'svc_solo', [green[0]!]);
    socket.destroy();
    assert.deepEqual(await drained, { drained: true, remaining: 0 });
    routes.setRoute(['solo.localhost'], 'svc_solo', [solo]);

    const unknown = await rawExchange(port, [
      `GET / HTTP/1.1\r\nHost: nope.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    ]);
    assert.match(unknown.text, /^HTTP\/1\.1 404 /);
  });

  it('swaps routes under load with zero failed requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const deadline = Date.now() + 3000;
    let ok = 0;
    const failures: string[] = [];
    const served = new Set<string>();
    const client = async () => {
      for (let i = 0; i < 5000 && Date.now() < deadline; i++) {
        try {
          const reply = await get(port, 'web-shop.localhost', '/', { agent });
          if (reply.status === 200) {
            ok++;
            served.add(reply.body.split('-')[0]!);
          } else failures.push(`status ${reply.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    let swaps = 0;
    const swapper = async () => {
      while (Date.now() < deadline && swaps < 30) {
        await sleep(200);
        routes.setRoute(['web-shop.localhost', 'shop.example.com'], 'svc_shop', swaps % 2 === 0 ? green : blue);
        swaps++;
      }
    };
    await Promise.all([...Array.from({ length: 50 }, client), swapper()]);
    agent.destroy();
    routes.setRoute(['web-shop.localhost', 'shop.example.com'], 'svc_shop', blue);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed of ${ok + failures.length}`);
    assert.ok(swaps >= 10, `swapped ${swaps} times`);
    assert.ok(ok > 500, `only ${ok} requests in 3 s`);
    assert.deepEqual([...served].sort(), ['blue', 'green']);
  });

  it('rotates containers like a deploy (start new, swap, drain, stop old) under load with zero failures', async () => {
    let current = [await startUpstream('gen0-a'), await startUpstream('gen0-b')];
    routes.setRoute(['rotate.localhost'], 'svc_rotate', current);
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const deadline = Date.now() + 3000;
    let ok = 0;
    const failures: string[] = [];
    const client = async () => {
      for (let i = 0; i < 5000 && Date.now() < deadline; i++) {
        try {
          const reply = await get(port, 'rotate.localhost', '/', { agent });
          if (reply.status === 200) ok++;
          else failures.push(`status ${reply.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    let generations = 0;
    const deployer = async () => {
      while (Date.now() < deadline - 300 && generations < 10) {
        await sleep(150);
        generations++;
        const next = [await startUpstream(`gen${generations}-a`), await startUpstream(`gen${generations}-b`)];
        routes.setRoute(['rotate.localhost'], 'svc_rotate', next);
        const drain = await routes.waitForDrain(
          current.map((u) => u.id),
          2000,
        );
        assert.equal(drain.drained, true);
        await Promise.all(current.map((u) => u.close()));
        current = next;
      }
    };
    await Promise.all([...Array.from({ length: 50 }, client), deployer()]);
    agent.destroy();
    routes.removeService('svc_rotate');
    await Promise.all(current.map((u) => u.close()));
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed of ${ok + failures.length}`);
    assert.ok(generations >= 5, `only ${generations} rotations`);
    assert.ok(ok > 500, `only ${ok} requests in 3 s`);
  });

  it('lets in-flight slow requests finish after a swap; waitForDrain waits for them', async () => {
    const old = [await startUpstream('old-1'), await startUpstream('old-2')];
    routes.setRoute(['slow.localhost'], 'svc_slow', old);
    const finishedAt: number[] = [];
    const slow = Array.from({ length: 6 }, () =>
      get(port, 'slow.localhost', '/slow').then((reply) => {
        finishedAt.push(Date.now());
        return reply;
      }),
    );
    const deadline = Date.now() + 2000;
    while (old[0]!.active + old[1]!.active < 6 && Date.now() < deadline) await sleep(10);
    assert.equal(old[0]!.active + old[1]!.active, 6, 'all slow requests reached the old upstreams');

    routes.setRoute(['slow.localhost'], 'svc_slow', [solo]);
    assert.equal((await get(port, 'slow.localhost')).body, 'solo', 'new requests go to the new upstream');
    const drain = await routes.waitForDrain(
      old.map((u) => u.id),
      5000,
    );
    const drainedAt = Date.now();
    assert.deepEqual(drain, { drained: true, remaining: 0 });
    const replies = await Promise.all(slow);
    assert.ok(
      replies.every((r) => r.status === 200 && /^old-\d slow$/.test(r.body)),
      'every slow request finished on its old upstream',
    );
    assert.ok(Math.max(...finishedAt) <= drainedAt + 5, 'drain resolved only after the slow requests finished');

    // With a timeout shorter than the work, drain reports what is still running.
    routes.setRoute(['slow.localhost'], 'svc_slow', old);
    const more = [get(port, 'slow.localhost', '/slow'), get(port, 'slow.localhost', '/slow')];
    await sleep(100);
    routes.removeService('svc_slow');
    assert.deepEqual(
      await routes.waitForDrain(
        old.map((u) => u.id),
        200,
      ),
      { drained: false, remaining: 2 },
    );
    await Promise.all(more);
    await Promise.all(old.map((u) => u.close()));
  });

  it('cuts off a client that sends its headers too slowly', async () => {
    const chunks = [
      'GET / HTTP/1.1\r\n',
      'Host: solo.localhost\r\n',
      ...Array.from({ length: 20 }, (_, i) => `X-${i}: y\r\n`),
    ];
    const slowloris = await rawExchange(port, chunks, 150, 5000);
    assert.match(slowloris.text, /^HTTP\/1\.1 408 /);
    assert.ok(slowloris.ms < 2000, `cut off after ${slowloris.ms} ms`);
    assert.equal((await get(port, 'solo.localhost')).body, 'solo');
  });

  it('refuses a request with two Host headers with 400, whichever comes first', async () => {
    for (const hosts of [
      ['solo.localhost', 'web-shop.localhost'],
      ['unknown.localhost', 'solo.localhost'],
      ['solo.localhost', 'solo.localhost'],
    ]) {
      const lines = hosts.map((h) => `Host: ${h}\r\n`).join('');
      const plain = await rawExchange(port, [`GET / HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`]);
      assert.match(plain.text, /^HTTP\/1\.1 400 /, `${hosts.join(' + ')}: ${plain.text.split('\r\n')[0]}`);
      assert.doesNotMatch(plain.text, /solo|blue/, 'no app answered');
      const upgrade = await rawExchange(port, [
        `GET /ws HTTP/1.1\r\n${lines}Connection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ]);
      assert.match(upgrade.text, /^HTTP\/1\.1 400 /, `upgrade with ${hosts.join(' + ')}`);
    }
    assert.equal((await get(port, 'solo.localhost')).body, 'solo', 'one Host header is routed as before');
  });
});

describe('app proxy ACME hook', () => {
  it('answers known challenge tokens before routing and lets others through', async () => {
    const routes = new RouteTable();
    const seen: Array<[string, string | undefined]> = [];
    const proxy = new AppProxy(routes, {
      logger: createLogger('silent'),
      challengeResponder: (token, hostname) => {
        seen.push([token, hostname]);
        return token === 'tok_123' ? 'tok_123.thumbprint' : undefined;
      },
    });
    await proxy.listenHttp(0, LOOPBACK);
    const { port } = proxy.httpAddress()!;
    try {
      const known = await get(port, 'new.example.com', '/.well-known/acme-challenge/tok_123');
      assert.equal(known.status, 200);
      assert.equal(known.body, 'tok_123.thumbprint');
      assert.equal((await get(port, 'new.example.com', '/.well-known/acme-challenge/other')).status, 404);
      assert.equal((await get(port, 'new.example.com', '/.well-known/acme-challenge/../../etc')).status, 404);
      assert.deepEqual(seen, [
        ['tok_123', 'new.example.com'],
        ['other', 'new.example.com'],
      ]);
    } finally {
      await proxy.close();
    }
  });
});

describe('app proxy access log', () => {
  it('logs one line per request, without the query string', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = {
      info: (fields: Record<string, unknown>, msg: string) => lines.push({ ...fields, msg }),
      warn: () => {},
      debug: () => {},
      error: () => {},
    } as unknown as Logger;
    const upstream = await startUpstream('logged');
    const routes = new RouteTable();
    routes.setRoute(['logged.localhost'], 'svc_logged', [upstream]);
    const proxy = new AppProxy(routes, { logger, accessLog: true });
    await proxy.listenHttp(0, LOOPBACK);
    const { port } = proxy.httpAddress()!;
    try {
      await get(port, 'logged.localhost', '/page?token=secret-value');
      await get(port, 'nobody.localhost', '/');
      await sleep(20);
      const requests = lines.filter((line) => line.msg === 'proxied request');
      assert.equal(requests.length, 2);
      assert.deepEqual(
        { ...requests[0], ms: 0, requestId: '' },
        {
          msg: 'proxied request',
          method: 'GET',
          host: 'logged.localhost',
          path: '/page',
          status: 200,
          completed: true,
          ms: 0,
          upstream: 'ctr-logged',
          requestId: '',
        },
      );
      assert.equal(requests[1]!.status, 404);
      assert.doesNotMatch(JSON.stringify(lines), /secret-value/);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
