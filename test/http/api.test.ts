import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { csrfTokenOf } from '../helpers/inject-client.js';

describe('API tokens and /api/v1', () => {
  let t: TestApp;
  let userId: string;
  before(async () => {
    t = await createTestApp();
    userId = (await seedAdmin(t.db)).id;
  });
  after(() => t.close());

  const me = (authorization?: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me', headers: authorization ? { authorization } : {} });

  it('GET /api/v1/me returns the caller for a valid token', async () => {
    const token = await tokenFor(t.db, userId, 'me-test');
    const res = await me(`Bearer ${token}`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.user.email, 'admin@example.com');
    assert.equal(body.user.role, 'owner', 'the first admin is the owner');
    assert.equal(body.token.name, 'me-test');
    assert.equal(body.user.password_hash, undefined);
    assert.equal(body.user.passwordHash, undefined);
  });

  it('refuses missing, malformed and unknown tokens with a JSON error and WWW-Authenticate', async () => {
    for (const header of [undefined, 'Basic abc', 'Bearer', `Bearer berth_${'A'.repeat(43)}`]) {
      const res = await me(header);
      assert.equal(res.statusCode, 401, `header ${header}`);
      assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    }
  });

  it('stores only a hash of the token', async () => {
    const token = await tokenFor(t.db, userId, 'hash-test');
    const row = await t.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'hash-test')
      .executeTakeFirstOrThrow();
    assert.notEqual(row.token_hash, token);
    assert.ok(!JSON.stringify(row).includes(token.slice(10)), 'no part of the secret beyond the prefix is stored');
  });

  it('a revoked token is refused; revoking through the API works', async () => {
    const token = await tokenFor(t.db, userId, 'to-revoke');
    const admin = await tokenFor(t.db, userId, 'admin-cli');
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${admin}` },
    });
    const target = list.json().find((x: { name: string }) => x.name === 'to-revoke');
    assert.ok(target, 'token listed');
    assert.equal(JSON.stringify(list.json()).includes(token), false, 'list never includes secrets');
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${target.id}`,
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(del.statusCode, 200);
    assert.ok(del.json().revokedAt);
    assert.equal((await me(`Bearer ${token}`)).statusCode, 401);
    assert.equal((await me(`Bearer ${admin}`)).statusCode, 200);
  });

  it('creates a token through the API and validates its name', async () => {
    const admin = await tokenFor(t.db, userId, 'creator');
    const auth = { authorization: `Bearer ${admin}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'from-api' },
    });
    assert.equal(created.statusCode, 201);
    assert.equal((await me(`Bearer ${created.json().token}`)).statusCode, 200);
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: 'from-api' },
    });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'TOKEN_NAME_TAKEN');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: auth,
      payload: { name: '../etc\n' },
    });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
  });

  it('the panel shows a new token once and can revoke it', async () => {
    const client = await signedInClient(t.app);
    const page = await client.get('/tokens');
    const created = await client.postForm('/tokens', { _csrf: csrfTokenOf(page.body), name: 'panel-token' });
    assert.equal(created.statusCode, 200);
    const secret = /id="new-token-value">(berth_[A-Za-z0-9_-]{43})</.exec(created.body)?.[1];
    assert.ok(secret, 'the token is shown after creation');
    assert.equal((await me(`Bearer ${secret}`)).statusCode, 200);

    const again = await client.get('/tokens');
    assert.equal(again.body.includes(secret), false, 'the token is never shown again');
    const id = new RegExp(`id="token-(tok_[0-9a-z]+)">\\s*<td>panel-token`).exec(again.body)?.[1];
    assert.ok(id);
    const revoked = await client.postForm(`/tokens/${id}/revoke`, { _csrf: csrfTokenOf(again.body) });
    assert.equal(revoked.statusCode, 303);
    const after = await client.get('/tokens');
    assert.match(after.body, /Token &quot;panel-token&quot; revoked|Token "panel-token" revoked/);
    assert.equal((await me(`Bearer ${secret}`)).statusCode, 401);
  });

  it('the htmx form gets only the partial back', async () => {
    const client = await signedInClient(t.app);
    const page = await client.get('/tokens');
    const res = await client.postForm(
      '/tokens',
      { _csrf: csrfTokenOf(page.body), name: 'htmx-token' },
      { 'hx-request': 'true' },
    );
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<html/);
    assert.match(res.body, /id="new-token-value"/);
  });

  it('publishes an OpenAPI document generated from the route schemas, and browsable docs', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.equal(doc.openapi, '3.0.3');
    assert.ok(doc.paths['/api/v1/me'].get, 'me is documented');
    assert.ok(doc.paths['/api/v1/tokens'].post.requestBody, 'request bodies come from schemas');
    assert.ok(doc.components.securitySchemes.bearerAuth);
    assert.equal(doc.paths['/login'], undefined, 'panel form routes stay out of the API document');
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
  });

  it('maps errors to JSON for API clients and to a page for browsers', async () => {
    const api = await t.app.inject({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: { authorization: `Bearer ${await tokenFor(t.db, userId, 'nf')}` },
    });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'NOT_FOUND');
    const page = await t.app.inject({ method: 'GET', url: '/nothing-here', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /<h1>Not found<\/h1>/);
  });

  it('sets a Content-Security-Policy without inline scripts on panel pages', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('serves htmx from the panel itself', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/public/vendor/htmx.min.js' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /htmx/);
  });
});
