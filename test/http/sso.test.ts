import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { ADMIN, seedAdmin, signedInClient } from '../helpers/accounts.js';
import { InjectClient } from '../helpers/inject-client.js';
import { signInAtProvider, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';

const run = promisify(execFile);

describe('single sign-on (OpenID Connect) against a real provider on loopback', () => {
  let t: TestApp;
  let idp: TestProvider;
  let admin: InjectClient;

  before(async () => {
    // Loopback issuers pass the same policy as git sources only where private sources are allowed.
    t = await createTestApp({ env: { BERTH_ALLOW_PRIVATE_SOURCES: 'true' } });
    await seedAdmin(t.db);
    idp = await startTestProvider((await t.ctx.sso.settings()).redirectUri);
    const people = [
      { email: 'alice@example.com', emailVerified: true, groups: ['berth-admins'] },
      { email: 'bob@example.com', emailVerified: true, groups: ['developers'] },
      { email: 'carol@example.com', emailVerified: false, groups: [] },
      { email: 'eve@elsewhere.org', emailVerified: true, groups: ['berth-admins'] },
      { email: 'dan@example.com', emailVerified: true, groups: [] },
    ];
    for (const p of people) idp.identities.set(p.email, p);
    admin = await signedInClient(t.app, '10.3.0.1');
    const saved = await saveSettings({});
    assert.equal(saved.statusCode, 200, saved.body.slice(0, 500));
  });
  after(async () => {
    await idp.close();
    await t.close();
  });

  async function saveSettings(extra: Record<string, string>) {
    return admin.postForm('/server/sign-in/sso', {
      _csrf: await admin.csrfFrom('/server/sign-in'),
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedDomains: 'example.com',
      groupClaim: 'groups',
      groupRoles: 'berth-admins = admin',
      ...extra,
    });
  }

  /** Berth's button, the provider's login form, then the callback (optionally altered). Returns Berth's answer. */
  async function ssoLogin(email: string, ip: string, alter: (callback: URL) => void = () => {}) {
    const client = new InjectClient(t.app, ip);
    const start = await client.get('/login/sso');
    assert.equal(start.statusCode, 303);
    const authorization = new URL(String(start.headers.location));
    assert.equal(authorization.origin, idp.issuer);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('state') && authorization.searchParams.get('nonce'));
    const callback = await signInAtProvider(authorization.href, email);
    alter(callback);
    const res = await client.get(`${callback.pathname}${callback.search}`);
    return { client, res };
  }

  const userByEmail = (email: string) =>
    t.db.selectFrom('users').select(['role', 'password_hash']).where('email', '=', email).executeTakeFirst();

  it('the settings keep the client secret sealed and never show it', async () => {
    const row = await t.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'sso_settings')
      .executeTakeFirstOrThrow();
    assert.ok(!row.value.includes(idp.clientSecret));
    const page = await admin.get('/server/sign-in');
    assert.doesNotMatch(page.body, new RegExp(idp.clientSecret));
    assert.match(page.body, /stored \(leave empty to keep it\)/);
  });

  it('signs a new person in and gives them the role their group maps to (admin)', async () => {
    const { client, res } = await ssoLogin('alice@example.com', '10.3.0.2');
    assert.equal(res.statusCode, 303, res.body.slice(0, 800));
    assert.equal(res.headers.location, '/');
    const home = await client.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /alice@example\.com/);
    assert.equal((await userByEmail('alice@example.com'))?.role, 'admin');
  });

  it('a group with no mapping gives a new account the member role, and no password', async () => {
    const { res } = await ssoLogin('bob@example.com', '10.3.0.3');
    assert.equal(res.statusCode, 303);
    const bob = await userByEmail('bob@example.com');
    assert.equal(bob?.role, 'member');
    const client = new InjectClient(t.app, '10.3.0.4');
    const tryPassword = await client.postForm('/login', {
      _csrf: await client.csrfFrom('/login'),
      email: 'bob@example.com',
      password: bob!.password_hash,
    });
    assert.equal(tryPassword.statusCode, 401, 'an SSO-made account has no password to guess');
  });

  it('refuses an email the provider has not verified', async () => {
    const { res } = await ssoLogin('carol@example.com', '10.3.0.5');
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /has not verified carol@example\.com/);
    assert.equal(await userByEmail('carol@example.com'), undefined);
  });

  it('refuses an email outside the allowed domains', async () => {
    const { res } = await ssoLogin('eve@elsewhere.org', '10.3.0.6');
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /elsewhere\.org may not sign in/);
    assert.equal(await userByEmail('eve@elsewhere.org'), undefined);
  });

  it('refuses a callback whose state was tampered with', async () => {
    const { client, res } = await ssoLogin('dan@example.com', '10.3.0.7', (cb) =>
      cb.searchParams.set('state', 'forged'),
    );
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /Single sign-on failed/);
    assert.equal((await client.get('/')).statusCode, 303, 'not signed in');
    assert.equal(await userByEmail('dan@example.com'), undefined);
  });

  for (const [name, reason, tamper] of [
    [
      'one with a wrong nonce',
      /"nonce"/,
      (c: Record<string, unknown>) => ({ ...c, nonce: 'not-the-nonce-berth-sent' }),
    ],
    ['one with a wrong audience', /"aud"/, (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' })],
    [
      'an expired',
      /"exp"/,
      (c: Record<string, unknown>) => ({
        ...c,
        iat: Math.floor(Date.now() / 1000) - 600,
        exp: Math.floor(Date.now() / 1000) - 300,
      }),
    ],
  ] as const) {
    it(`refuses ${name} ID token`, async () => {
      idp.tamperIdToken = tamper;
      try {
        const { client, res } = await ssoLogin('dan@example.com', '10.3.0.8');
        assert.equal(res.statusCode, 401, res.body.slice(0, 500));
        assert.match(res.body, /Single sign-on failed/);
        assert.match(res.body.replaceAll('&quot;', '"'), reason);
        assert.equal((await client.get('/')).statusCode, 303);
      } finally {
        idp.tamperIdToken = undefined;
      }
      assert.equal(await userByEmail('dan@example.com'), undefined);
    });
  }

  it('applies the group mapping again at every sign-in: a dropped role ends the other sessions, audited', async () => {
    const alice = idp.identities.get('alice@example.com')!;
    const first = await ssoLogin('alice@example.com', '10.3.0.20');
    assert.equal(first.res.statusCode, 303);
    assert.equal((await userByEmail('alice@example.com'))?.role, 'admin');
    assert.equal((await first.client.get('/members')).statusCode, 200, 'an admin opens the members page');
    const roleEvents = async () =>
      (await t.ctx.audit.list({ actionPrefix: 'member.role.sso' }, { limit: 50, offset: 0 })).events;
    const before = (await roleEvents()).length;

    // The provider drops her from berth-admins: the next sign-in makes her a member.
    idp.identities.set('alice@example.com', { ...alice, groups: ['developers'] });
    try {
      const second = await ssoLogin('alice@example.com', '10.3.0.21');
      assert.equal(second.res.statusCode, 303, second.res.body.slice(0, 500));
      assert.equal((await userByEmail('alice@example.com'))?.role, 'member');
      assert.equal((await second.client.get('/')).statusCode, 200, 'this sign-in works');
      assert.equal((await second.client.get('/members')).statusCode, 403, 'as a member');
      const old = await first.client.get('/');
      assert.equal(old.statusCode, 303, 'her other session ended');
      assert.match(String(old.headers.location), /^\/login/);
      const events = await roleEvents();
      assert.equal(events.length, before + 1);
      const event = events[0]!;
      assert.equal(event.actor.email, 'alice@example.com');
      assert.equal(event.address, '10.3.0.21');
      assert.deepEqual(event.changes, { role: { before: 'admin', after: 'member' } });

      // The same groups again: nothing changes, nothing is recorded, the session lives.
      const third = await ssoLogin('alice@example.com', '10.3.0.22');
      assert.equal(third.res.statusCode, 303);
      assert.equal((await second.client.get('/')).statusCode, 200, 'an unchanged role keeps the other sessions');
      assert.equal((await roleEvents()).length, before + 1);
    } finally {
      idp.identities.set('alice@example.com', alice);
    }
    // Back in berth-admins: admin again (a raise ends no session).
    const fourth = await ssoLogin('alice@example.com', '10.3.0.23');
    assert.equal(fourth.res.statusCode, 303);
    assert.equal((await userByEmail('alice@example.com'))?.role, 'admin');
    assert.deepEqual((await roleEvents())[0]!.changes, { role: { before: 'member', after: 'admin' } });
    // A provider that sends no group claim says nothing about groups: the role stays.
    idp.identities.set('alice@example.com', { ...alice, groups: undefined as unknown as string[] });
    try {
      const silent = await ssoLogin('alice@example.com', '10.3.0.25');
      assert.equal(silent.res.statusCode, 303);
      assert.equal((await userByEmail('alice@example.com'))?.role, 'admin', 'no claim, no change');
    } finally {
      idp.identities.set('alice@example.com', alice);
    }
  });

  it('never changes the owner through groups', async () => {
    const owner = await t.db.selectFrom('users').select(['email', 'role']).where('is_owner', '=', 1).executeTakeFirst();
    assert.ok(owner, 'the seeded admin is the owner');
    idp.identities.set(owner.email, { email: owner.email, emailVerified: true, groups: [] });
    const { res } = await ssoLogin(owner.email, '10.3.0.24');
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    const after = await t.db
      .selectFrom('users')
      .select(['role', 'is_owner'])
      .where('email', '=', owner.email)
      .executeTakeFirst();
    assert.deepEqual(after, { role: owner.role, is_owner: 1 });
  });

  it('turns local login off only after an admin signed in through SSO, and the CLI turns it back on', async () => {
    // A fresh install's record of an admin's SSO sign-in is what allows it: remove it to test the refusal.
    await t.db.deleteFrom('settings').where('key', '=', 'sso_admin_signed_in_at').execute();
    const refused = await saveSettings({ disableLocalLogin: 'on', clientSecret: '' });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /only after a server admin has signed in through single sign-on/);

    assert.equal((await ssoLogin('bob@example.com', '10.3.0.9')).res.statusCode, 303);
    assert.equal((await saveSettings({ disableLocalLogin: 'on' })).statusCode, 409, 'a member does not count');
    assert.equal((await ssoLogin('alice@example.com', '10.3.0.10')).res.statusCode, 303);
    const allowed = await saveSettings({ disableLocalLogin: 'on' });
    assert.equal(allowed.statusCode, 200, allowed.body.slice(0, 500));

    const client = new InjectClient(t.app, '10.3.0.11');
    const page = await client.get('/login');
    assert.doesNotMatch(page.body, /id="password-login"/);
    assert.match(page.body, /Log in with single sign-on/);
    // No password form to take a token from: the one htmx sends with every request will do.
    const csrf = /"x-csrf-token": "([^"]+)"/.exec(page.body)![1]!;
    const password = await client.postForm('/login', { _csrf: csrf, ...ADMIN });
    assert.equal(password.statusCode, 403);

    await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'admin', 'local-login', 'on'], {
      env: { ...process.env, BERTH_DATA_DIR: t.config.dataDir, BERTH_LOG_LEVEL: 'silent' },
    });
    const again = await client.postForm('/login', { _csrf: await client.csrfFrom('/login'), ...ADMIN });
    assert.equal(again.statusCode, 303);
  });

  it('turns single sign-on off: the settings are gone, its sign-in is refused and passwords work', async () => {
    assert.equal((await saveSettings({ disableLocalLogin: '' })).statusCode, 200);
    const noCsrf = await admin.postForm('/server/sign-in/sso/delete', {});
    assert.equal(noCsrf.statusCode, 403, 'CSRF is checked');
    const off = await admin.postForm('/server/sign-in/sso/delete', { _csrf: await admin.csrfFrom('/server/sign-in') });
    assert.equal(off.statusCode, 200, off.body.slice(0, 300));
    assert.match(off.body, /Single sign-on is off/);
    assert.doesNotMatch(off.body, /id="sso-remove"/);
    const left = await t.db
      .selectFrom('settings')
      .select('key')
      .where('key', 'in', ['sso_settings', 'sso_admin_signed_in_at'])
      .execute();
    assert.deepEqual(left, [], 'nothing of single sign-on is left in the settings');
    const client = new InjectClient(t.app, '10.3.0.12');
    const page = await client.get('/login');
    assert.doesNotMatch(page.body, /Log in with single sign-on/);
    assert.match(page.body, /id="password-login"/);
    assert.notEqual((await client.get('/login/sso')).statusCode, 303, 'no redirect to the provider');
  });

  it('refuses an issuer on a private address unless private sources are allowed', async () => {
    const strict = await createTestApp();
    try {
      await seedAdmin(strict.db);
      const client = await signedInClient(strict.app, '10.3.0.12');
      const res = await client.postForm('/server/sign-in/sso', {
        _csrf: await client.csrfFrom('/server/sign-in'),
        issuer: idp.issuer,
        clientId: 'x',
        clientSecret: 'y',
        allowedDomains: 'example.com',
      });
      assert.equal(res.statusCode, 422);
      assert.match(res.body, /BERTH_ALLOW_PRIVATE_SOURCES/);
    } finally {
      await strict.close();
    }
  });
});
