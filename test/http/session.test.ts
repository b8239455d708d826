import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SESSION_COOKIE } from '../../src/http/plugins/security.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { ADMIN, seedAdmin, signedInClient } from '../helpers/accounts.js';
import { InjectClient, csrfTokenOf } from '../helpers/inject-client.js';

describe('login, logout and sessions', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      throttle: {
        perPair: 3,
        perAddress: 6,
        accountSlowAfter: 3,
        accountDelayMs: 10,
        accountMaxDelayMs: 50,
        windowMs: 60_000,
      },
    });
    await seedAdmin(t.db);
  });
  after(() => t.close());

  it('logs in with the right password, rotating the session id, and sets a safe cookie', async () => {
    const client = new InjectClient(t.app, '10.0.0.1');
    const loginPage = await client.get('/login');
    const before = client.cookieHeader();
    const res = await client.postForm('/login', { _csrf: csrfTokenOf(loginPage.body), ...ADMIN, next: '/server' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/server');
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, new RegExp(`${SESSION_COOKIE}=`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.notEqual(client.cookieHeader(), before, 'session id changes at login');
    const rows = await t.db.selectFrom('sessions').select('data').execute();
    assert.ok(
      rows.some((r) => r.data.includes('usr_')),
      'the session is stored server-side',
    );
    const dashboard = await client.get('/');
    assert.equal(dashboard.statusCode, 200);
    assert.match(dashboard.body, /admin@example.com/);
  });

  it('does not follow an off-site next= after login', async () => {
    const client = new InjectClient(t.app, '10.0.0.2');
    const csrf = await client.csrfFrom('/login');
    const res = await client.postForm('/login', { _csrf: csrf, ...ADMIN, next: '//evil.example/' });
    assert.equal(res.headers.location, '/');
  });

  it('says "wrong email or password" without telling which', async () => {
    const client = new InjectClient(t.app, '10.0.0.3');
    const csrf = await client.csrfFrom('/login');
    const wrongPassword = await client.postForm('/login', {
      _csrf: csrf,
      email: ADMIN.email,
      password: 'nope-nope-nope',
    });
    const noAccount = await client.postForm('/login', {
      _csrf: csrf,
      email: 'ghost@example.com',
      password: 'nope-nope-nope',
    });
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(noAccount.statusCode, 401);
    assert.match(wrongPassword.body, /Wrong email or password/);
    assert.match(noAccount.body, /Wrong email or password/);
  });

  it('rejects a login form without a valid CSRF token', async () => {
    const client = new InjectClient(t.app, '10.0.0.4');
    await client.get('/login');
    const missing = await client.postForm('/login', { ...ADMIN });
    assert.equal(missing.statusCode, 403);
    const forged = await client.postForm('/login', { _csrf: 'forged-token', ...ADMIN });
    assert.equal(forged.statusCode, 403);
    const viaHeader = await client.postForm('/login', { ...ADMIN }, { 'x-csrf-token': 'forged-token' });
    assert.equal(viaHeader.statusCode, 403);
  });

  it('rejects state-changing panel forms without CSRF even when signed in', async () => {
    const client = await signedInClient(t.app, '10.0.0.5');
    const res = await client.postForm('/tokens', { name: 'sneaky' });
    assert.equal(res.statusCode, 403);
    const tokens = await t.db.selectFrom('api_tokens').selectAll().where('name', '=', 'sneaky').execute();
    assert.equal(tokens.length, 0);
  });

  it('logs out: the old session no longer opens the panel', async () => {
    const client = await signedInClient(t.app, '10.3.0.1');
    const stolenCookie = client.cookieHeader();
    const page = await client.get('/');
    const res = await client.postForm('/logout', { _csrf: csrfTokenOf(page.body) });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/login');
    const replay = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { cookie: stolenCookie, accept: 'text/html' },
    });
    assert.equal(replay.statusCode, 303);
    assert.match(String(replay.headers.location), /^\/login/);
  });

  // The throttle tests come last: they lock the admin account out of some addresses.
  it('throttles repeated failures of an account from one address, even with the right password afterwards', async () => {
    const client = new InjectClient(t.app, '10.1.0.1');
    const csrf = await client.csrfFrom('/login');
    for (let i = 0; i < 3; i++) {
      const res = await client.postForm('/login', { _csrf: csrf, email: ADMIN.email, password: 'wrong-password!' });
      assert.equal(res.statusCode, 401);
    }
    const blocked = await client.postForm('/login', { _csrf: csrf, ...ADMIN });
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.match(blocked.body, /Too many failed attempts/);
  });

  it('throttles one address spraying many accounts', async () => {
    const client = new InjectClient(t.app, '10.2.0.1');
    const csrf = await client.csrfFrom('/login');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await client.postForm('/login', {
        _csrf: csrf,
        email: `user${i}@example.com`,
        password: 'wrong-password!',
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429]);
  });

  it('answers htmx requests for protected pages with HX-Redirect instead of a login fragment', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/tokens', headers: { 'hx-request': 'true' } });
    assert.equal(res.statusCode, 204);
    assert.match(String(res.headers['hx-redirect']), /^\/login\?next=%2Ftokens/);
  });
});
