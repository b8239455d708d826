import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdmin } from '../../src/auth/users.service.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { ADMIN, seedAdmin, signedInClient } from '../helpers/accounts.js';
import { InjectClient } from '../helpers/inject-client.js';
import { codeAt, codeStep, enrol, passwordStep } from '../helpers/two-factor.js';

const STEP_MS = 30_000;

describe('two-factor authentication (TOTP)', () => {
  let t: TestApp;
  let secret: string;
  let recoveryCodes: string[];

  before(async () => {
    t = await createTestApp({
      throttle: {
        perPair: 3,
        perAddress: 50,
        accountSlowAfter: 50,
        accountDelayMs: 1,
        accountMaxDelayMs: 1,
        windowMs: 60_000,
      },
    });
    await seedAdmin(t.db);
    const client = await signedInClient(t.app, '10.1.0.1');
    const account = await client.get('/account');
    assert.match(account.body, /Set up two-factor/);
    ({ secret, recoveryCodes } = await enrol(client));
  });
  after(() => t.close());

  it('enrolment shows a QR code drawn inline, stores the secret sealed and gives ten recovery codes once', async () => {
    assert.equal(recoveryCodes.length, 10);
    const row = await t.db.selectFrom('user_totp').selectAll().executeTakeFirstOrThrow();
    assert.ok(row.enabled_at);
    assert.ok(!row.secret_encrypted.includes(secret), 'the secret is not stored in the clear');
    const codes = await t.db.selectFrom('recovery_codes').select('code_hash').execute();
    assert.equal(codes.length, 10);
    assert.ok(codes.every((c) => !recoveryCodes.some((r) => c.code_hash.includes(r.replace('-', '')))));
    const again = await (await signedInViaRecovery('10.1.0.2', recoveryCodes[9]!)).get('/account');
    assert.doesNotMatch(again.body, /id="recovery-codes"/, 'the codes are not shown again');
    assert.match(again.body, /9 recovery code\(s\) left/);
  });

  it('a fresh enrolment page carries the QR code as inline SVG (no outside request)', async () => {
    const other = await createAdmin(t.db, { email: 'qr@example.com', password: 'another-long-password' });
    const client = new InjectClient(t.app, '10.1.0.3');
    await passwordStep(client, { email: other.email, password: 'another-long-password' });
    const start = await client.postForm('/account/two-factor/start', { _csrf: await client.csrfFrom('/account') });
    assert.match(start.body, /<div class="qr" id="two-factor-qr"><svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.doesNotMatch(start.body, /<img[^>]+src="https?:/);
  });

  it('login asks for the code after the password; a wrong code is refused, the right one signs in', async () => {
    const client = new InjectClient(t.app, '10.1.0.4');
    const password = await passwordStep(client, ADMIN);
    assert.equal(password.statusCode, 303);
    assert.equal(password.headers.location, '/login/two-factor');
    const wrong = await codeStep(client, codeAt(secret, Date.now() + 10 * STEP_MS));
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /not right/);
    // The step after enrolment's: the app's next code (enrolment used the current one).
    const right = await codeStep(client, codeAt(secret, Date.now() + STEP_MS));
    assert.equal(right.statusCode, 303);
    assert.equal((await client.get('/')).statusCode, 200);
  });

  it('a code already used (same time step) is refused', async () => {
    const used = codeAt(secret, Date.now() + STEP_MS);
    const client = new InjectClient(t.app, '10.1.0.5');
    await passwordStep(client, ADMIN);
    const replay = await codeStep(client, used);
    assert.equal(replay.statusCode, 401);
    assert.match(replay.body, /already used/);
    assert.equal((await client.get('/')).statusCode, 303, 'still not signed in');
  });

  it('a half-signed-in session reaches no panel page, panel form or API route', async () => {
    const client = new InjectClient(t.app, '10.1.0.6');
    await passwordStep(client, ADMIN);
    for (const url of ['/', '/account', '/server', '/tokens', '/server/sessions']) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /^\/login\?next=/, url);
    }
    const form = await client.postForm('/tokens', { _csrf: await client.csrfFrom('/login/two-factor'), name: 'x' });
    assert.equal(form.statusCode, 303);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: client.cookieHeader() } });
    assert.equal(api.statusCode, 401);
  });

  it('a recovery code signs in once; the same code again is refused', async () => {
    const code = recoveryCodes[0]!;
    await signedInViaRecovery('10.1.0.7', code);
    const client = new InjectClient(t.app, '10.1.0.8');
    await passwordStep(client, ADMIN);
    const again = await codeStep(client, code);
    assert.equal(again.statusCode, 401);
  });

  it('code attempts count in the login throttle', async () => {
    const client = new InjectClient(t.app, '10.1.0.9');
    await passwordStep(client, ADMIN);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await codeStep(client, '000000')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    // Typing the password again does not reset the count of wrong codes.
    await passwordStep(client, ADMIN);
    assert.equal((await codeStep(client, '111111')).statusCode, 429);
  });

  it('turning it off needs a current code or the password', async () => {
    const user = await createAdmin(t.db, { email: 'off@example.com', password: 'off-long-password' });
    const client = new InjectClient(t.app, '10.1.0.10');
    await passwordStep(client, { email: user.email, password: 'off-long-password' });
    await enrol(client);
    const refused = await client.postForm('/account/two-factor/disable', {
      _csrf: await client.csrfFrom('/account'),
      password: 'not-the-password',
    });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /current code from your app or your password/);
    const off = await client.postForm('/account/two-factor/disable', {
      _csrf: await client.csrfFrom('/account'),
      password: 'off-long-password',
    });
    assert.equal(off.statusCode, 200);
    assert.match(off.body, /Two-factor authentication is off/);
    const fresh = new InjectClient(t.app, '10.1.0.11');
    const login = await passwordStep(fresh, { email: user.email, password: 'off-long-password' });
    assert.equal(login.headers.location, '/', 'no code asked any more');
  });

  it('"require two-factor for everyone" sends people without it to enrolment until they enrol', async () => {
    const admin = await signedInViaRecovery('10.1.0.12', recoveryCodes[1]!);
    const set = await admin.postForm('/server/sign-in/two-factor', {
      _csrf: await admin.csrfFrom('/server/sign-in'),
      required: 'on',
    });
    assert.equal(set.statusCode, 200);
    assert.match(set.body, /now required/);

    const user = await createAdmin(t.db, { email: 'late@example.com', password: 'late-long-password' });
    const client = new InjectClient(t.app, '10.1.0.13');
    const login = await passwordStep(client, { email: user.email, password: 'late-long-password' });
    assert.equal(login.headers.location, '/account');
    const dashboard = await client.get('/');
    assert.equal(dashboard.statusCode, 303);
    assert.equal(dashboard.headers.location, '/account');
    assert.match((await client.get('/account')).body, /requires two-factor authentication/);
    await enrol(client);
    assert.equal((await client.get('/')).statusCode, 200, 'enrolled: the panel opens');

    const off = await admin.postForm('/server/sign-in/two-factor', { _csrf: await admin.csrfFrom('/server/sign-in') });
    assert.match(off.body, /now optional/);
  });

  it('every new form refuses a post without its CSRF token', async () => {
    const admin = await signedInViaRecovery('10.1.0.14', recoveryCodes[2]!);
    const half = new InjectClient(t.app, '10.1.0.15');
    await passwordStep(half, ADMIN);
    const forms: Array<[InjectClient, string]> = [
      [half, '/login/two-factor'],
      [admin, '/account/two-factor/start'],
      [admin, '/account/two-factor/confirm'],
      [admin, '/account/two-factor/disable'],
      [admin, '/account/sessions/revoke-others'],
      [admin, `/account/sessions/${'a'.repeat(24)}/revoke`],
      [admin, '/server/sign-in/sso'],
      [admin, '/server/sign-in/two-factor'],
      [admin, `/server/sessions/${'a'.repeat(24)}/revoke`],
    ];
    for (const [client, url] of forms) {
      const res = await client.postForm(url, { code: '123456', password: ADMIN.password, required: 'on' });
      assert.equal(res.statusCode, 403, url);
    }
    assert.equal((await admin.get('/')).statusCode, 200, 'still signed in: nothing was done');
  });

  async function signedInViaRecovery(ip: string, code: string): Promise<InjectClient> {
    const client = new InjectClient(t.app, ip);
    await passwordStep(client, ADMIN);
    const res = await codeStep(client, code);
    assert.equal(res.statusCode, 303, `recovery login: ${res.body.slice(0, 300)}`);
    return client;
  }
});
