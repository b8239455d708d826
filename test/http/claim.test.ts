import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueSetupToken } from '../../src/auth/setup-claim.service.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { InjectClient, csrfTokenOf } from '../helpers/inject-client.js';

describe('first-run claim', () => {
  let t: TestApp;
  let token: string;

  before(async () => {
    t = await createTestApp();
    token = (await issueSetupToken(t.db))!;
  });
  after(() => t.close());

  it('sends everyone to login while unclaimed, and login explains how to claim', async () => {
    const client = new InjectClient(t.app);
    const home = await client.get('/');
    assert.equal(home.statusCode, 303);
    assert.match(home.headers.location as string, /^\/login/);
    const login = await client.get('/login');
    assert.match(login.body, /not been claimed yet/);
  });

  it('refuses a setup page without the token or with a wrong one', async () => {
    const client = new InjectClient(t.app);
    const bare = await client.get('/setup');
    assert.equal(bare.statusCode, 403);
    assert.doesNotMatch(bare.body, /name="password"/);
    const wrong = await client.get(`/setup?token=${'x'.repeat(32)}`);
    assert.equal(wrong.statusCode, 403);
  });

  it('refuses a claim POST with a wrong token and creates no user', async () => {
    const client = new InjectClient(t.app);
    const csrf = await client.csrfFrom('/login');
    const res = await client.postForm('/setup', {
      _csrf: csrf,
      token: 'not-the-token',
      email: 'eve@example.com',
      password: 'longenough123',
    });
    assert.equal(res.statusCode, 403);
    const users = await t.db.selectFrom('users').selectAll().execute();
    assert.equal(users.length, 0);
  });

  it('refuses a claim without a CSRF token', async () => {
    const client = new InjectClient(t.app);
    await client.get(`/setup?token=${token}`);
    const res = await client.postForm('/setup', { token, email: 'eve@example.com', password: 'longenough123' });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /expired or was not sent by Berth/);
  });

  it('keeps the form and explains a too-short password', async () => {
    const client = new InjectClient(t.app);
    const page = await client.get(`/setup?token=${token}`);
    const res = await client.postForm('/setup', {
      _csrf: csrfTokenOf(page.body),
      token,
      email: 'ada@example.com',
      password: 'short',
    });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /at least 10 characters/);
    assert.match(res.body, /value="ada@example.com"/);
  });

  it('claims once with the printed token, signs the admin in, and the setup page is gone', async () => {
    const client = new InjectClient(t.app);
    const page = await client.get(`/setup?token=${token}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Claim this Berth/);
    const res = await client.postForm('/setup', {
      _csrf: csrfTokenOf(page.body),
      token,
      email: 'Ada@Example.com',
      password: 'correct horse battery',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/');
    const dashboard = await client.get('/');
    assert.equal(dashboard.statusCode, 200);
    assert.match(dashboard.body, /Welcome to Berth, ada@example.com/);
    assert.match(dashboard.body, /Create your first project/);

    const user = await t.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    assert.equal(user.email, 'ada@example.com');
    assert.match(user.password_hash, /^\$2[aby]\$12\$/, 'password is stored as a bcrypt hash');

    const again = await new InjectClient(t.app).get(`/setup?token=${token}`);
    assert.equal(again.statusCode, 404);
  });

  it('refuses a second claim even with a freshly issued token', async () => {
    assert.equal(await issueSetupToken(t.db), undefined, 'no token is issued once an admin exists');
    const client = new InjectClient(t.app);
    const csrf = await client.csrfFrom('/login');
    const res = await client.postForm('/setup', {
      _csrf: csrf,
      token: 'anything',
      email: 'eve@example.com',
      password: 'longenough123',
    });
    assert.equal(res.statusCode, 409);
    const users = await t.db.selectFrom('users').selectAll().execute();
    assert.equal(users.length, 1);
  });
});
