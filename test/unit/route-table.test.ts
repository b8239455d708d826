import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { normalizeHostname } from '../../src/proxy/hostname.js';
import { RouteTable, type Upstream } from '../../src/proxy/route-table.js';

const up = (id: string, port = 3000): Upstream => ({ id, host: '10.0.0.1', port });

describe('hostname normalisation', () => {
  it('lowercases, drops the port and the trailing dot', () => {
    assert.equal(normalizeHostname('App.Example.COM'), 'app.example.com');
    assert.equal(normalizeHostname('app.example.com:8080'), 'app.example.com');
    assert.equal(normalizeHostname('app.example.com.'), 'app.example.com');
    assert.equal(normalizeHostname('APP.example.com.:80'), 'app.example.com');
    assert.equal(normalizeHostname('web-shop.localhost'), 'web-shop.localhost');
    assert.equal(normalizeHostname('[::1]:80'), '[::1]');
  });

  it('refuses anything that is not a hostname', () => {
    for (const bad of [
      undefined,
      '',
      ' ',
      'a b.com',
      'evil.com\r\nx-injected: 1',
      'a..b',
      '-a.com',
      'a.com:port',
      'a.com:99999999',
      'user@a.com',
      'a.com/path',
      `${'a'.repeat(64)}.com`,
      `${'a.'.repeat(127)}com`,
      '[::1',
      '[::1]x',
    ]) {
      assert.equal(normalizeHostname(bad), undefined, `${JSON.stringify(bad)} must not normalise`);
    }
  });
});

describe('route table', () => {
  it('routes every spelling of a hostname to the same service', () => {
    const table = new RouteTable();
    table.setRoute(['Web-Shop.localhost', 'shop.example.com.'], 'svc_1', [up('c1')]);
    for (const host of ['web-shop.localhost', 'WEB-SHOP.localhost:80', 'shop.example.com', 'shop.example.com.:443']) {
      assert.equal(table.resolve(host)?.serviceId, 'svc_1', host);
    }
    assert.equal(table.resolve('other.localhost'), undefined);
    assert.equal(table.resolve(undefined), undefined);
    assert.equal(table.resolve('web-shop.localhost\r\n'), undefined);
  });

  it('picks upstreams round robin, and undefined for a route without upstreams', () => {
    const table = new RouteTable();
    table.setRoute(['a.localhost'], 'svc_a', [up('c1'), up('c2'), up('c3')]);
    const picked = Array.from({ length: 9 }, () => table.pick('a.localhost')!.id);
    assert.deepEqual([...new Set(picked)].sort(), ['c1', 'c2', 'c3'], 'every replica is used');
    for (const id of ['c1', 'c2', 'c3']) assert.equal(picked.filter((p) => p === id).length, 3);
    table.setRoute(['a.localhost'], 'svc_a', []);
    assert.notEqual(table.resolve('a.localhost'), undefined, 'the hostname stays known (503, not 404)');
    assert.equal(table.pick('a.localhost'), undefined);
  });

  it('swaps a service to a new upstream set for all its hostnames in one step', () => {
    const table = new RouteTable();
    table.setRoute(['a.localhost', 'a.example.com'], 'svc_a', [up('old1'), up('old2')]);
    const before = table.resolve('a.localhost')!;
    table.setRoute(['a.localhost', 'a.example.com'], 'svc_a', [up('new1'), up('new2')]);
    // The route a request resolved before the swap is untouched: it finishes on the old set.
    assert.deepEqual(
      before.upstreams.map((u) => u.id),
      ['old1', 'old2'],
    );
    for (const host of ['a.localhost', 'a.example.com']) {
      const ids = Array.from({ length: 4 }, () => table.pick(host)!.id);
      assert.ok(
        ids.every((id) => id.startsWith('new')),
        `${host} sees only the new set: ${ids}`,
      );
    }
    assert.equal(table.isRouted('old1'), false);
    assert.equal(table.isRouted('new2'), true);
  });

  it('a swap under a tight loop of lookups never shows a mix or nothing', () => {
    const table = new RouteTable();
    const sets = [
      [up('a1'), up('a2')],
      [up('b1'), up('b2')],
    ];
    table.setRoute(['x.localhost', 'y.localhost'], 'svc_x', sets[0]!);
    for (let round = 0; round < 1000; round++) {
      table.setRoute(['x.localhost', 'y.localhost'], 'svc_x', sets[round % 2]!);
      const prefix = round % 2 === 0 ? 'a' : 'b';
      for (const host of ['x.localhost', 'y.localhost']) {
        const route = table.resolve(host);
        assert.ok(route, 'never nothing');
        assert.ok(
          route.upstreams.every((u) => u.id.startsWith(prefix)),
          'never a mix',
        );
      }
    }
  });

  it('hostnames dropped from a service stop routing; a name moves to its new owner', () => {
    const table = new RouteTable();
    table.setRoute(['a.localhost', 'old.example.com'], 'svc_a', [up('c1')]);
    table.setRoute(['a.localhost'], 'svc_a', [up('c1')]);
    assert.equal(table.resolve('old.example.com'), undefined);
    table.setRoute(['b.localhost', 'a.localhost'], 'svc_b', [up('c2')]);
    assert.equal(table.resolve('a.localhost')?.serviceId, 'svc_b');
    assert.deepEqual(table.routeOf('svc_a')?.hostnames, []);
    table.removeService('svc_b');
    assert.equal(table.resolve('a.localhost'), undefined);
    assert.equal(table.resolve('b.localhost'), undefined);
  });

  it('replaceAll swaps the whole table', () => {
    const table = new RouteTable();
    table.setRoute(['gone.localhost'], 'svc_gone', [up('c0')]);
    table.replaceAll([
      { serviceId: 'svc_1', hostnames: ['one.localhost'], upstreams: [up('c1')] },
      { serviceId: 'svc_2', hostnames: ['two.localhost'], upstreams: [up('c2'), up('c3')] },
    ]);
    assert.equal(table.resolve('gone.localhost'), undefined);
    assert.equal(table.pick('one.localhost')?.id, 'c1');
    assert.equal(table.routes().length, 2);
    assert.equal(table.isRouted('c0'), false);
  });

  it('refuses invalid hostnames and upstreams with a validation error', () => {
    const table = new RouteTable();
    const isValidation = (error: unknown) => isAppError(error) && error.code === 'VALIDATION_FAILED';
    assert.throws(() => table.setRoute(['bad host'], 'svc', [up('c1')]), isValidation);
    assert.throws(
      () => table.setRoute(['a.localhost'], 'svc', [{ id: 'c1', host: '10.0.0.1', port: 0 }]),
      isValidation,
    );
    assert.throws(() => table.setRoute(['a.localhost'], 'svc', [{ id: '', host: '10.0.0.1', port: 80 }]), isValidation);
  });

  it('keeps its own copy of the upstreams', () => {
    const table = new RouteTable();
    const list = [up('c1')];
    table.setRoute(['a.localhost'], 'svc', list);
    list.push(up('c2'));
    assert.equal(table.resolve('a.localhost')!.upstreams.length, 1);
  });
});

describe('drain accounting', () => {
  it('resolves at once for upstreams that are idle and unrouted', async () => {
    const table = new RouteTable();
    assert.deepEqual(await table.waitForDrain(['c1'], 1000), { drained: true, remaining: 0 });
  });

  it('waits for in-flight work to end after the swap', async () => {
    const table = new RouteTable();
    table.setRoute(['a.localhost'], 'svc', [up('old')]);
    table.inflight.begin('old');
    table.inflight.begin('old');
    table.setRoute(['a.localhost'], 'svc', [up('new')]);
    let result: { drained: boolean; remaining: number } | undefined;
    const waiting = table.waitForDrain(['old'], 5000).then((r) => (result = r));
    table.inflight.end('old');
    await new Promise((r) => setImmediate(r));
    assert.equal(result, undefined, 'one request still in flight');
    table.inflight.begin('new');
    table.inflight.end('old');
    await waiting;
    assert.deepEqual(result, { drained: true, remaining: 0 });
    assert.equal(table.inflight.count('new'), 1, 'other upstreams are not affected');
  });

  it('does not call an upstream drained while it is still routed', async () => {
    const table = new RouteTable();
    table.setRoute(['a.localhost'], 'svc', [up('old')]);
    let settled = false;
    const waiting = table.waitForDrain(['old'], 5000).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false);
    table.setRoute(['a.localhost'], 'svc', [up('new')]);
    assert.deepEqual(await waiting, { drained: true, remaining: 0 });
  });

  it('gives up at the timeout and says how much is left', async () => {
    const table = new RouteTable();
    table.inflight.begin('slow');
    table.inflight.begin('slow');
    table.inflight.begin('other');
    const started = Date.now();
    assert.deepEqual(await table.waitForDrain(['slow', 'gone'], 100), { drained: false, remaining: 2 });
    assert.ok(Date.now() - started >= 95);
    table.inflight.end('slow');
    table.inflight.end('slow');
    assert.equal(table.inflight.count('slow'), 0);
  });
});

describe('route table: containers that are not running', () => {
  it('skips upstreams marked unavailable, answers none when all are, and serves them again once back', () => {
    const table = new RouteTable();
    table.setRoute(['app.localhost'], 'svc', [up('a'), up('b')]);
    table.setUnavailable(['a']);
    for (let i = 0; i < 4; i++) assert.equal(table.pick('app.localhost')?.id, 'b');
    table.setUnavailable(['a', 'b']);
    assert.equal(table.pick('app.localhost'), undefined, 'no running container: the proxy answers 503');
    assert.ok(table.resolve('app.localhost'), 'the hostname stays known (503, not 404)');
    table.setUnavailable([]);
    assert.deepEqual(new Set([table.pick('app.localhost')?.id, table.pick('app.localhost')?.id]), new Set(['a', 'b']));
  });
});
