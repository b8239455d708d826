/**
 * HTTP metrics and the request log from Berth's own proxy: the real AppProxy in front of a real node:http
 * app on loopback, the traffic feature writing to a real SQLite file, read back through the JSON API
 * (app.inject with a real token). Counts per status class must be exact; percentiles plausible (a few
 * deliberately slow requests must show in p99 and not in p50).
 */
import assert from 'node:assert/strict';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { AppProxy } from '../../src/proxy/proxy-server.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { TrafficFeature } from '../../src/traffic/traffic.service.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { pathPoints, svgIn, svgProblems } from '../helpers/svg-check.js';

const HOST = 'shop.traffic.localhost';
const EMPTY_HOST = 'empty.traffic.localhost';
const SLOW_MS = 150;

function startApp(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    req.resume();
    if (path === '/ok') res.end('fine');
    else if (path === '/missing') res.writeHead(404).end('nope');
    else if (path === '/boom') res.writeHead(500).end('broken');
    else if (path === '/moved') res.writeHead(302, { location: '/ok' }).end();
    else if (path?.startsWith('/slow')) setTimeout(() => res.end('slow'), SLOW_MS);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(port: number, host: string, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? 'x'.repeat(1000) : undefined);
  });
}

describe('HTTP metrics and request log of a service', () => {
  let t: TestApp;
  let app: Server;
  let proxy: AppProxy;
  let proxyPort: number;
  let token: string;
  let serviceId: string;
  let emptyServiceId: string;
  const routes = new RouteTable();

  const api = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.json() };
  };

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    token = await tokenFor(t.db, admin.id);
    const post = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } })).json<{
        id: string;
      }>();
    const project = await post('/api/v1/projects', { name: 'traffic' });
    const image = { type: 'image', image: 'berth-test/busybox:latest' };
    serviceId = (await post(`/api/v1/projects/${project.id}/services`, { name: 'shop', source: image })).id;
    emptyServiceId = (await post(`/api/v1/projects/${project.id}/services`, { name: 'empty', source: image })).id;

    app = await startApp();
    const appPort = (app.address() as AddressInfo).port;
    routes.setRoute([HOST], serviceId, [{ id: 'app-1', host: '127.0.0.1', port: appPort }]);
    routes.setRoute([EMPTY_HOST], emptyServiceId, []);
    proxy = new AppProxy(routes, { logger: createLogger('silent'), observer: t.traffic.observer });
    await proxy.listenHttp(0, '127.0.0.1');
    proxyPort = proxy.httpAddress()!.port;

    const plan: Array<[string, string, number]> = [
      ['GET', '/ok?token=s3cret-in-query', 60],
      ['GET', '/missing', 20],
      ['GET', '/boom', 10],
      ['GET', '/moved', 5],
      ['POST', '/slow/upload', 5],
    ];
    for (const [method, path, count] of plan) {
      for (let i = 0; i < count; i++) await send(proxyPort, HOST, method, path);
    }
    for (let i = 0; i < 3; i++) assert.equal(await send(proxyPort, EMPTY_HOST, 'GET', '/'), 503);
    await t.traffic.flush();
  });

  after(async () => {
    agent.destroy();
    await proxy?.close();
    await new Promise((resolve) => app?.close(resolve));
    await t?.close();
  });

  it('counts requests per status class, bytes, and plausible latency percentiles', async () => {
    const { status, body } = await api(`/api/v1/services/${serviceId}/traffic?range=1h`);
    assert.equal(status, 200);
    const totals = body.totals;
    assert.equal(totals.requests, 100);
    assert.equal(totals.status2xx, 65);
    assert.equal(totals.status3xx, 5);
    assert.equal(totals.status4xx, 20);
    assert.equal(totals.status5xx, 10);
    // 5 POSTs carry 1000-byte bodies; every response has headers and a body.
    assert.ok(totals.bytesIn > 5000, `bytes in ${totals.bytesIn}`);
    assert.ok(totals.bytesOut > 100 * 50, `bytes out ${totals.bytesOut}`);
    assert.ok(totals.p50Ms !== null && totals.p50Ms < 50, `p50 ${totals.p50Ms}`);
    assert.ok(totals.p95Ms < SLOW_MS * 0.9, `p95 ${totals.p95Ms}: the 95 fast requests`);
    assert.ok(totals.p99Ms >= SLOW_MS * 0.9 && totals.p99Ms < 1000, `p99 ${totals.p99Ms}: a slow request`);
    assert.equal(body.points.length, 60, 'one point a minute over the hour');
    assert.equal(
      body.points.reduce((sum: number, p: { requests: number }) => sum + p.requests, 0),
      100,
    );
  });

  it("counts the proxy's own 503 for a service without a running container", async () => {
    const { body } = await api(`/api/v1/services/${emptyServiceId}/traffic`);
    assert.equal(body.totals.requests, 3);
    assert.equal(body.totals.status5xx, 3);
  });

  it('filters the request log by status, method, path prefix, minimum latency and time', async () => {
    const base = `/api/v1/services/${serviceId}/requests`;
    const all = await api(`${base}?limit=1000`);
    assert.equal(all.status, 200);
    assert.equal(all.body.entries.length, 100);
    assert.ok(!JSON.stringify(all.body).includes('s3cret'), 'query strings are never stored');
    assert.ok(all.body.entries.some((e: { path: string }) => e.path === '/ok'));

    const errors = (await api(`${base}?status=5xx`)).body.entries;
    assert.equal(errors.length, 10);
    assert.ok(errors.every((e: { status: number; path: string }) => e.status === 500 && e.path === '/boom'));
    assert.equal((await api(`${base}?status=404&limit=1000`)).body.entries.length, 20);
    const posts = (await api(`${base}?method=post`)).body.entries;
    assert.equal(posts.length, 5);
    assert.equal((await api(`${base}?path=/slow`)).body.entries.length, 5);
    assert.equal((await api(`${base}?path=/sl%25`)).body.entries.length, 0, '% is not a wildcard');
    const slow = (await api(`${base}?minMs=${SLOW_MS * 0.9}`)).body.entries;
    assert.equal(slow.length, 5);
    assert.ok(slow.every((e: { path: string }) => e.path === '/slow/upload'));
    assert.equal((await api(`${base}?limit=3`)).body.entries.length, 3);
    const later = new Date(Date.now() + 60_000).toISOString();
    assert.equal((await api(`${base}?from=${encodeURIComponent(later)}`)).body.entries.length, 0);
    assert.equal((await api(`${base}?to=${encodeURIComponent(later)}&limit=1000`)).body.entries.length, 100);
  });

  it('refuses bad filters with a clear error', async () => {
    const base = `/api/v1/services/${serviceId}/requests`;
    for (const query of ['status=abc', 'method=BREW', 'path=nope', 'minMs=-1', 'limit=0', 'from=yesterday']) {
      const res = await api(`${base}?${query}`);
      assert.equal(res.status, 422, query);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED', query);
    }
    assert.equal((await api('/api/v1/services/svc_nosuchservice/requests')).status, 404);
  });

  it('rolls 10 s samples up into hours, so the 7 d and 30 d views count them exactly once', async () => {
    const later = Date.now() + 2 * 3600_000;
    await t.traffic.maintain(later);
    await t.traffic.maintain(later); // a second run adds nothing
    for (const range of ['7d', '30d'] as const) {
      const series = await t.traffic.series(serviceId, range, later);
      assert.equal(series.totals.requests, 100, range);
      assert.equal(series.totals.status5xx, 10, range);
      assert.ok(series.totals.p99Ms! >= SLOW_MS * 0.9, `${range} p99 ${series.totals.p99Ms}`);
    }
    const both = await t.traffic.series([serviceId, emptyServiceId], '1h');
    assert.equal(both.totals.requests, 103, 'a project view sums its services');
  });

  it('keeps the request log within its row cap', async () => {
    await new TrafficFeature(t.db, createLogger('silent'), { logKeepRows: 30 }).maintain();
    const { body } = await api(`/api/v1/services/${serviceId}/requests?limit=1000`);
    assert.equal(body.entries.length, 30);
    // The newest are kept: the last requests sent were the slow POSTs.
    assert.equal(body.entries[0].path, '/slow/upload');
  });

  it('drops and counts request-log entries when the buffer is full, never blocking the proxy', async () => {
    const small = new TrafficFeature(t.db, createLogger('silent'), { logBufferEntries: 5 });
    const second = new AppProxy(routes, { logger: createLogger('silent'), observer: small.observer });
    await second.listenHttp(0, '127.0.0.1');
    try {
      for (let i = 0; i < 20; i++) assert.equal(await send(second.httpAddress()!.port, EMPTY_HOST, 'GET', '/x'), 503);
      await small.flush();
    } finally {
      await second.close();
    }
    const logged = (await api(`/api/v1/services/${emptyServiceId}/requests?path=/x`)).body.entries;
    assert.equal(logged.length, 5);
    const { body } = await api(`/api/v1/services/${emptyServiceId}/traffic`);
    assert.equal(body.totals.requests, 23, 'every request still counts in the metrics');
    assert.equal(body.totals.logDropped, 15);
  });

  it('shows the metrics and a filterable request log on the service page', async () => {
    const panel = await signedInClient(t.app);
    // On the service page's Metrics tab, at its own path (the old ?tab= address moved there for good).
    const moved = await panel.get(`/services/${serviceId}?tab=metrics`);
    assert.equal(moved.statusCode, 301);
    assert.equal(moved.headers.location, `/services/${serviceId}/metrics`);
    const service = await panel.get(`/services/${serviceId}/metrics`);
    assert.equal(service.statusCode, 200);
    assert.match(service.body, /id="tab-metrics"[^>]*aria-current="page"/);
    assert.match(service.body, new RegExp(`hx-get="/services/${serviceId}/traffic"`));
    assert.match(service.body, new RegExp(`hx-get="/services/${serviceId}/requests"`));

    const traffic = await panel.get(`/services/${serviceId}/traffic?range=24h`, { 'hx-request': 'true' });
    assert.equal(traffic.statusCode, 200);
    assert.match(
      traffic.body,
      /<table class="list" id="traffic-totals">[\s\S]*<td>100<\/td><td>65<\/td><td>5<\/td><td>20<\/td><td>10<\/td>/,
    );

    // Charts of the recorded traffic: requests, errors and latency, drawn from what the proxy counted.
    for (const id of ['chart-requests', 'chart-errors', 'chart-latency']) {
      const svg = svgIn(traffic.body, id);
      assert.ok(svg, `${id} is on the traffic view`);
      assert.deepEqual(svgProblems(svg), [], id);
    }
    const requestLine = pathPoints(svgIn(traffic.body, 'chart-requests')!).get('Requests')!;
    assert.equal(requestLine.length, 48, 'one point per 30 min over 24 h');
    // All 100 requests fell into one or two steps (the test ran within a minute): those points stand out.
    assert.ok(requestLine.filter(([, y]) => y < requestLine[0]![1]).length >= 1);
    assert.match(traffic.body, /Requests: 100 in all/);
    assert.match(traffic.body, /5xx: 10 in all/);
    assert.match(traffic.body, /4xx: 20 in all/);
    assert.ok(pathPoints(svgIn(traffic.body, 'chart-latency')!).get('p99')!.length >= 1, 'a p99 line');

    // The project view sums the traffic of all its services.
    const project = (await api(`/api/v1/services/${serviceId}`)).body.projectId as string;
    const totals = async (id: string) => (await api(`/api/v1/services/${id}/traffic?range=1h`)).body.totals;
    const [shop, empty] = [await totals(serviceId), await totals(emptyServiceId)];
    const projectPage = await panel.get(`/projects/${project}/metrics?range=1h`, { 'hx-request': 'true' });
    assert.equal(projectPage.statusCode, 200);
    for (const id of ['chart-cpu', 'chart-requests', 'chart-errors', 'chart-latency']) {
      assert.deepEqual(svgProblems(svgIn(projectPage.body, id) ?? ''), [], id);
    }
    assert.match(projectPage.body, new RegExp(`Requests: ${shop.requests + empty.requests} in all`));
    assert.match(projectPage.body, new RegExp(`5xx: ${shop.status5xx + empty.status5xx} in all`));

    const errors = await panel.get(`/services/${serviceId}/requests?status=5xx&method=&path=%2Fbo`, {
      'hx-request': 'true',
    });
    assert.equal(errors.statusCode, 200);
    assert.equal(errors.body.match(/<code>\/boom<\/code>/g)?.length, 10);
    // Times in words, the exact time on hover (not a millisecond ISO string).
    assert.match(
      errors.body,
      /<td><time datetime="[^"]+Z" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">(just now|\d+ minutes? ago|a few seconds ago)<\/time><\/td>/,
    );
    assert.doesNotMatch(errors.body, /<code>\/ok<\/code>/);

    const bad = await panel.get(`/services/${serviceId}/requests?status=teapot`, { 'hx-request': 'true' });
    assert.equal(bad.statusCode, 200, 'the form stays usable');
    assert.match(bad.body, /id="requests-error">status: a code such as 404 or a class such as 5xx/);
  });
});
