/**
 * The route of a service on Kubernetes follows its ready pod endpoints (src/deploys/endpoint-follower.ts):
 * replaced when the set changes, kept when the API fails or no pod is ready, no longer touched once the
 * service is unfollowed. A scripted endpoints reader and a recording router; the real cluster is in
 * test/integration/kubernetes-deploy.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointFollower } from '../../src/deploys/endpoint-follower.js';
import type { Upstream } from '../../src/deploys/ports.js';
import { createLogger } from '../../src/logger.js';
import type { EndpointAddress } from '../../src/runtime/kubernetes/client.js';

function setup() {
  let next: EndpointAddress[] | Error = [];
  const routes: { hostnames: string[]; serviceId: string; upstreams: Upstream[] }[] = [];
  const reads: string[] = [];
  const follower = new EndpointFollower(
    {
      readyEndpoints: async (namespace, service, port) => {
        reads.push(`${namespace}/${service}:${port}`);
        if (next instanceof Error) throw next;
        return next;
      },
    },
    { setRoute: (hostnames, serviceId, upstreams) => routes.push({ hostnames, serviceId, upstreams }) },
    createLogger('silent'),
    60_000, // polls are driven by refresh() here
  );
  return { follower, routes, reads, set: (value: EndpointAddress[] | Error) => (next = value) };
}

const pod = (name: string, ip: string): EndpointAddress => ({ ip, port: 3000, podName: name });

describe('endpoint follower', () => {
  it('routes the hostnames to the ready endpoints, in a stable order, and again only when they change', async () => {
    const { follower, routes, reads, set } = setup();
    set([pod('web-b', '172.17.0.9'), pod('web-a', '172.17.0.8')]);
    await follower.follow('svc_1', ['web-shop.localhost'], 'berth-prj-1', 'web');
    assert.deepEqual(reads, ['berth-prj-1/web:http']);
    assert.deepEqual(routes, [
      {
        hostnames: ['web-shop.localhost'],
        serviceId: 'svc_1',
        upstreams: [
          { id: 'k8s:berth-prj-1/web-a', host: '172.17.0.8', port: 3000 },
          { id: 'k8s:berth-prj-1/web-b', host: '172.17.0.9', port: 3000 },
        ],
      },
    ]);
    await follower.refresh('svc_1');
    assert.equal(routes.length, 1, 'same endpoints: the route is left alone');
    set([pod('web-c', '172.17.0.10')]);
    await follower.refresh('svc_1');
    assert.deepEqual(routes[1]?.upstreams, [{ id: 'k8s:berth-prj-1/web-c', host: '172.17.0.10', port: 3000 }]);
    follower.stop();
  });

  it('keeps the last route when no pod is ready or the API fails', async () => {
    const { follower, routes, set } = setup();
    set([pod('web-a', '172.17.0.8')]);
    await follower.follow('svc_1', ['h'], 'ns', 'web');
    set([]);
    await follower.refresh('svc_1');
    set(new Error('connection refused'));
    await follower.refresh('svc_1');
    assert.equal(routes.length, 1);
    follower.stop();
  });

  it('leaves the route alone once the service is unfollowed', async () => {
    const { follower, routes, reads, set } = setup();
    set([pod('web-a', '172.17.0.8')]);
    await follower.follow('svc_1', ['h'], 'ns', 'web');
    follower.unfollow('svc_1');
    assert.equal(follower.isFollowing('svc_1'), false);
    set([pod('web-b', '172.17.0.9')]);
    await follower.refresh('svc_1');
    assert.equal(routes.length, 1);
    assert.equal(reads.length, 1);
  });
});
