/**
 * The route's fallback: the previous release's containers while a deploy watches its new ones. They get
 * no new work while a new container is up, take a retried request, answer when every new one is down,
 * and count as routed (no drain starts under them) until the route is set without them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainRouter } from '../../src/domains/domain-router.js';
import { RouteTable, type Upstream } from '../../src/proxy/route-table.js';

const up = (id: string, port = 3000): Upstream => ({ id, host: '10.0.0.1', port });
const HOST = 'web-shop.localhost';

describe('route fallback', () => {
  it('sends new work to the new upstreams only while one of them is up', () => {
    const table = new RouteTable();
    table.setRoute([HOST], 'svc', [up('new-1'), up('new-2')], [up('old-1')]);
    const picked = new Set(Array.from({ length: 10 }, () => table.pick(HOST)!.id));
    assert.deepEqual([...picked].sort(), ['new-1', 'new-2']);
    table.setUnavailable(['new-1']);
    assert.equal(table.pick(HOST)!.id, 'new-2');
    table.setUnavailable(['new-1', 'new-2']);
    assert.equal(table.pick(HOST)!.id, 'old-1', 'every new one down: the previous release answers');
    table.setUnavailable(['new-1', 'new-2', 'old-1']);
    assert.equal(table.pick(HOST), undefined);
  });

  it('retries on the fallback first, on the route itself without one', () => {
    const table = new RouteTable();
    table.setRoute([HOST], 'svc', [up('new-1')], [up('old-1'), up('old-2')]);
    const route = table.resolve(HOST)!;
    assert.match(table.pickForRetry(route)!.id, /^old-/);
    table.setRoute([HOST], 'svc', [up('new-1')]);
    assert.equal(table.pickForRetry(table.resolve(HOST)!)!.id, 'new-1');
  });

  it('keeps the fallback routed (no drain) until the route is set without it', () => {
    const table = new RouteTable();
    table.setRoute([HOST], 'svc', [up('new-1')], [up('old-1')]);
    assert.equal(table.isRouted('old-1'), true);
    table.setRoute([HOST], 'svc', [up('new-1')]);
    assert.equal(table.isRouted('old-1'), false);
  });

  it('goes through the domain router; the previous release keeps its own port on the service route', () => {
    const table = new RouteTable();
    const router = new DomainRouter(table);
    router.setDomains('svc', [{ hostname: 'shop.example.com', port: null, redirectTo: null, hsts: false }]);
    router.setRoute([HOST], 'svc', [up('new-1', 8080)], [up('old-1', 3000)]);
    for (const host of [HOST, 'shop.example.com']) {
      const route = table.resolve(host)!;
      assert.deepEqual(
        route.fallback.map((u) => [u.id, u.port]),
        [['old-1', 3000]],
      );
      assert.equal(route.upstreams[0]!.port, 8080);
    }
    router.setRoute([HOST], 'svc', [up('new-1', 8080)]);
    assert.deepEqual(table.resolve(HOST)!.fallback, []);
  });
});
