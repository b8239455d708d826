/**
 * Who may use a route is decided by its route group before any body is read. Iterates every registered
 * route, so a route added outside the panel or API group (or one that reads its body first) fails here:
 * a signed-out request with an oversized body goes to the login page (panel) or gets 401 (API), never 413
 * (which would mean the body had been read first) and never the route's own answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { registeredRoutes, type RegisteredRoute } from '../../src/http/route-groups.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

const OVERSIZED = `name=${'x'.repeat(2 * 1024 * 1024)}`;
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A concrete URL for a route pattern: every parameter and wildcard gets a plausible value. */
function urlOf(route: RegisteredRoute): string {
  return route.url.replace(/:[A-Za-z]+/g, 'x1').replace(/\*$/, 'x1');
}

function requestFor(route: RegisteredRoute, headers: Record<string, string> = {}) {
  const hasBody = WITH_BODY.has(route.method);
  return {
    method: route.method as 'GET',
    url: urlOf(route),
    headers: hasBody ? { 'content-type': 'application/x-www-form-urlencoded', ...headers } : headers,
    payload: hasBody ? OVERSIZED : undefined,
  };
}

describe('route groups: who may use a route is decided before its body is read', () => {
  let t: TestApp;
  let routes: RegisteredRoute[];
  before(async () => {
    t = await createTestApp({ withHttps: true });
    routes = registeredRoutes(t.app).filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS');
  });
  after(() => t.close());

  it('sends a signed-out POST with an oversized body to the login page', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/notifications/channels',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: OVERSIZED,
    });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /^\/login\?next=/);
  });

  it('puts every route in a group, and /api/v1 routes only in the API group', () => {
    assert.ok(routes.length > 100, `only ${routes.length} routes registered`);
    for (const route of routes) {
      assert.notEqual(route.access, undefined, `${route.method} ${route.url}`);
      if (route.url.startsWith('/api/v1/')) assert.equal(route.access, 'api', `${route.method} ${route.url}`);
    }
    const panel = routes.filter((route) => route.access === 'panel').map((route) => route.url);
    for (const page of ['/', '/projects/:id', '/services/:id', '/system', '/notifications', '/ssh-keys']) {
      assert.ok(panel.includes(page), `${page} is a panel route`);
    }
  });

  it('redirects a signed-out request to every panel route to the login page, body unread', async () => {
    const panel = routes.filter((route) => route.access === 'panel');
    for (const route of panel) {
      const res = await t.app.inject(requestFor(route));
      assert.equal(res.statusCode, 303, `${route.method} ${route.url} → ${res.statusCode} ${res.body.slice(0, 120)}`);
      assert.match(String(res.headers.location), /^\/login\?next=/, `${route.method} ${route.url}`);
    }
    // htmx requests get HX-Redirect (a full navigation) instead of a login form swapped into a fragment.
    const res = await t.app.inject(requestFor(panel[0]!, { 'hx-request': 'true' }));
    assert.equal(res.statusCode, 204);
    assert.match(String(res.headers['hx-redirect']), /^\/login\?next=/);
  });

  it('answers 401 to every API route without a token, body unread', async () => {
    const api = routes.filter((route) => route.access === 'api');
    assert.ok(
      api.some((route) => route.url === '/metrics'),
      'the Prometheus endpoint needs a token too',
    );
    for (const route of api) {
      const res = await t.app.inject(requestFor(route, { accept: 'application/json' }));
      assert.equal(res.statusCode, 401, `${route.method} ${route.url} → ${res.statusCode} ${res.body.slice(0, 120)}`);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED', `${route.method} ${route.url}`);
    }
  });

  it('refuses to start an app with a route registered outside the groups', async () => {
    const app = await buildApp(t.ctx);
    app.get('/stray', async () => 'who may call this?');
    await assert.rejects(async () => app.ready(), /outside a public, panel or api group: GET \/stray/);
    await app.close().catch(() => undefined);
  });
});
