import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DomainRouter } from '../../src/domains/domain-router.js';
import type { Domain } from '../../src/domains/domains.repository.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { AcmeOrderError } from '../../src/tls/acme.js';
import { createHostPolicy } from '../../src/tls/host-policy.js';
import { explainOrderFailure, retryDelayMs } from '../../src/tls/order-failure.js';

const domain = (hostname: string, port: number | null = null, extra: Partial<Domain> = {}): Domain => ({
  id: `dom_${hostname}`,
  serviceId: 'svc_a',
  hostname,
  port,
  redirectTo: null,
  hsts: false,
  createdAt: '',
  ...extra,
});
const up = (id: string) => ({ id, host: '10.0.0.2', port: 3000 });

describe('routes of custom domains', () => {
  it('adds the domains to a deploy switch, with their own port where one is chosen', () => {
    const table = new RouteTable();
    const router = new DomainRouter(table);
    router.loadDomains([domain('app.example.com'), domain('metrics.example.com', 9100)]);
    assert.equal(table.pick('app.example.com'), undefined, 'nothing routes before the first deploy');

    router.setRoute(['web-shop.localhost'], 'svc_a', [up('c1'), up('c2')]);
    assert.equal(table.pick('web-shop.localhost')?.port, 3000);
    assert.equal(table.pick('app.example.com')?.port, 3000);
    const metrics = table.pick('metrics.example.com');
    assert.equal(metrics?.port, 9100);
    assert.ok(['c1', 'c2'].includes(metrics!.id), 'the same containers, on the chosen port');

    // The next deploy switches every name of the service in the same synchronous call.
    router.setRoute(['web-shop.localhost'], 'svc_a', [up('c3')]);
    for (const name of ['web-shop.localhost', 'app.example.com', 'metrics.example.com']) {
      assert.equal(table.pick(name)?.id, 'c3', name);
    }
    assert.equal(table.isRouted('c1'), false, 'old containers leave every route, so they can drain');
  });

  it('routes a new domain at once and drops a removed one, without a deploy', () => {
    const table = new RouteTable();
    const router = new DomainRouter(table);
    router.setRoute(['web-shop.localhost'], 'svc_a', [up('c1')]);
    router.setDomains('svc_a', [domain('new.example.com'), domain('alt.example.com', 8080)]);
    assert.equal(table.pick('new.example.com')?.id, 'c1');
    assert.equal(table.pick('alt.example.com')?.port, 8080);
    router.setDomains('svc_a', []);
    assert.equal(table.resolve('new.example.com'), undefined);
    assert.equal(table.resolve('alt.example.com'), undefined);
    assert.equal(table.pick('web-shop.localhost')?.id, 'c1');
    router.removeService('svc_a');
    assert.equal(table.routes().length, 0);
  });
});

describe('host policy (redirects and HSTS)', () => {
  let server: Server;
  let port: number;
  const valid = new Set(['secure.example.com']);
  const rules = new Map([
    ['www.example.com', { redirectTo: 'example.com', hsts: false }],
    ['secure.example.com', { redirectTo: null, hsts: true }],
  ]);
  before(async () => {
    const policy = createHostPolicy({
      rule: (h) => rules.get(h),
      hasValidCertificate: (h) => valid.has(h),
      httpsPort: 8443,
    });
    server = createServer((req, res) => {
      if (!policy(req, res)) res.end('routed');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  const get = (host: string, path = '/') =>
    new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('redirects to HTTPS only once the name has a valid certificate, never for ACME challenges', async () => {
    assert.deepEqual(await get('secure.example.com', '/a?b=1'), {
      status: 308,
      location: 'https://secure.example.com:8443/a?b=1',
      body: 'Moved to https://secure.example.com:8443/a?b=1\n',
    });
    assert.equal((await get('secure.example.com', '/.well-known/acme-challenge/tok')).body, 'routed');
    assert.equal((await get('pending.example.com', '/')).body, 'routed');
  });

  it('sends a www twin to its main name, over HTTP while the main name has no certificate', async () => {
    const res = await get(`www.example.com:${port}`, '/x');
    assert.equal(res.status, 308);
    assert.equal(res.location, `http://example.com:${port}/x`);
  });
});

describe('certificate order failures', () => {
  const fail = (message: string, type?: string, code?: string, retryAfterMs?: number) =>
    new AcmeOrderError(message, type ? `urn:ietf:params:acme:error:${type}` : undefined, code, retryAfterMs);

  it('explains the usual causes in words', () => {
    const cases: Array<[AcmeOrderError, RegExp]> = [
      [fail('too many certificates already issued', 'rateLimited'), /^Rate limited/],
      [fail('DNS problem: NXDOMAIN looking up A for app.example.com', 'dns'), /^DNS does not point here/],
      [
        fail('Fetching http://app.example.com/.well-known/acme-challenge/x: Connection refused', 'connection'),
        /^Port 80 unreachable/,
      ],
      [
        fail('connection failed (ECONNREFUSED)', undefined, 'ECONNREFUSED'),
        /cannot be reached at https:\/\/ca\.test\/dir \(ECONNREFUSED\)/,
      ],
      [fail('The key authorization file from the server did not match', 'unauthorized'), /^Another server answered/],
      [fail('Policy forbids issuing for name', 'rejectedIdentifier'), /refuses to issue/],
    ];
    for (const [error, expected] of cases) {
      assert.match(explainOrderFailure(error, 'app.example.com', 'https://ca.test/dir'), expected);
    }
  });

  it('waits longer after each failure, up to the cap, and never less than Retry-After', () => {
    const timing = { retryBaseMs: 60_000, retryMaxMs: 6 * 3600_000 };
    const delays = [1, 2, 3, 4, 10, 30].map((n) => retryDelayMs(n, timing));
    assert.deepEqual(delays, [60_000, 120_000, 240_000, 480_000, 6 * 3600_000, 6 * 3600_000]);
    assert.equal(retryDelayMs(1, timing, fail('slow down', 'rateLimited', undefined, 3 * 3600_000)), 3 * 3600_000);
  });
});
