import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { parseRequest } from '../../src/proxy/process/control-protocol.js';
import { ProxyStateStore } from '../../src/proxy/process/proxy-state-store.js';

const route = {
  serviceId: 'svc_a',
  hostnames: ['a.localhost'],
  upstreams: [{ id: 'c1', host: '10.0.0.2', port: 3000 }],
};

function refused(value: unknown): string {
  try {
    parseRequest(value);
  } catch (error) {
    assert.ok(isAppError(error) && error.code === 'VALIDATION_FAILED');
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

describe('proxy control protocol (v1)', () => {
  it('accepts the allow-listed messages', () => {
    assert.equal(parseRequest({ v: 1, id: 1, type: 'route.set', route }).type, 'route.set');
    assert.equal(parseRequest({ v: 1, id: 2, type: 'drained', upstreamIds: ['c1'] }).type, 'drained');
    const snapshot = { routes: [route], unavailable: [], certificates: [], challenges: [], hosts: [], settings: {} };
    assert.equal(parseRequest({ v: 1, id: 3, type: 'snapshot', state: snapshot }).type, 'snapshot');
    assert.equal(parseRequest({ v: 1, id: 4, type: 'upgrade' }).type, 'upgrade');
  });

  it('refuses other versions, unknown types, unknown fields and bad values', () => {
    assert.match(refused({ v: 2, id: 1, type: 'status' }), /version/);
    assert.match(refused({ v: 1, type: 'status' }), /id/);
    assert.match(refused({ v: 1, id: 1, type: 'exec' }), /unknown message type/);
    assert.match(refused({ v: 1, id: 1, type: 'status', extra: 1 }), /unknown field/);
    assert.match(refused({ v: 1, id: 1, type: 'upgrade', code: '/tmp/x' }), /unknown field/);
    assert.match(
      refused({ v: 1, id: 1, type: 'route.set', route: { ...route, upstreams: [{ id: 'c', host: 'h', port: 0 }] } }),
      /port/,
    );
    assert.match(
      refused({ v: 1, id: 1, type: 'challenge.set', challenge: { token: 'a/b', hostname: 'a', answer: 'x' } }),
      /token/,
    );
    assert.match(
      refused({
        v: 1,
        id: 1,
        type: 'certificate.set',
        certificate: { hostname: 'a', certPem: 'nope', keyPem: 'nope' },
      }),
      /certPem/,
    );
  });

  it('a change that fails in the route table changes nothing', () => {
    const store = new ProxyStateStore();
    store.apply({ type: 'route.set', route });
    const before = JSON.stringify(store.snapshot());
    assert.throws(() => store.apply({ type: 'route.set', route: { ...route, hostnames: ['a.localhost', '-bad-.'] } }));
    assert.equal(JSON.stringify(store.snapshot()), before);
    assert.equal(store.routes.pick('a.localhost')?.id, 'c1');
  });

  it('answers ACME challenges only for the name they were issued for', () => {
    const store = new ProxyStateStore();
    store.apply({ type: 'challenge.set', challenge: { token: 'tok', hostname: 'a.example', answer: 'tok.key' } });
    assert.equal(store.challengeResponder('tok', 'a.example'), 'tok.key');
    assert.equal(store.challengeResponder('tok', 'b.example'), undefined);
    store.apply({ type: 'challenge.remove', token: 'tok' });
    assert.equal(store.challengeResponder('tok', 'a.example'), undefined);
  });
});
