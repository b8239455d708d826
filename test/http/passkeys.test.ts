/**
 * Passkeys against the real app (real SQLite, the daemon's composition root): a software authenticator
 * (test/helpers/soft-authenticator.ts) makes real ES256 keys and signs real assertions, so every check of
 * the server runs: origin, RP ID, challenge (once), signature, counter, whose credential, user verification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeSsoSettings, writeSsoSettings } from '../../src/auth/sso-settings.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { ADMIN, seedAdmin, signedInClient } from '../helpers/accounts.js';
import { InjectClient } from '../helpers/inject-client.js';
import {
  addPasskey,
  csrfHeader as csrf,
  passwordless,
  passwordlessOptions,
  secondFactorAnswer,
} from '../helpers/passkey-flows.js';
import { SoftAuthenticator, type AssertionAnswer } from '../helpers/soft-authenticator.js';
import { addMember, PASSWORD } from '../helpers/team-fixture.js';
import { enrol, passwordStep } from '../helpers/two-factor.js';

let ipCounter = 0;
const nextIp = () => `10.7.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

describe('passkeys (WebAuthn)', () => {
  let t: TestApp;
  let origin: string;
  let rpId: string;
  let adminKey: SoftAuthenticator;
  let adminId: string;

  /** The password, then a passkey's answer made by `answer` from the second-factor options. */
  async function secondFactor(
    client: InjectClient,
    account: { email: string; password: string },
    answer: (options: never) => AssertionAnswer,
  ) {
    const password = await passwordStep(client, account);
    assert.equal(password.headers.location, '/login/two-factor');
    return secondFactorAnswer(client, answer);
  }

  async function auditOf(action: string) {
    return t.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
  }

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
    ({ id: adminId } = await seedAdmin(t.db));
    origin = new URL(t.config.publicUrl).origin;
    rpId = new URL(t.config.publicUrl).hostname;
    adminKey = new SoftAuthenticator(origin, rpId);
  });
  after(() => t.close());

  it('adds a named passkey from the account page; it is listed, stored by its public key and audited', async () => {
    const client = await signedInClient(t.app, nextIp());
    const res = await addPasskey(client, adminKey, 'Work laptop');
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().passkey.name, 'Work laptop');
    const page = await client.get('/account');
    assert.match(page.body, /id="passkey-list"/);
    assert.match(page.body, /value="Work laptop"/);
    assert.match(page.body, /Passkey “Work laptop” added\./);
    const rows = await t.db.selectFrom('passkeys').selectAll().where('user_id', '=', adminId).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.credential_id, adminKey.credentials[0]!.id.toString('base64url'));
    assert.equal(rows[0]!.counter, 0);
    const [added] = await auditOf('passkey.add');
    assert.equal(added!.object_name, 'Work laptop');
    assert.equal(added!.outcome, 'success');
    assert.equal(added!.actor_email, ADMIN.email);
  });

  it('refuses passkey requests without the CSRF token', async () => {
    const client = await signedInViaPasskey();
    const options = await client.postJson('/account/passkeys/options', {});
    assert.equal(options.statusCode, 403);
    const key = new SoftAuthenticator(origin, rpId);
    const headers = await csrf(client, '/account');
    const good = await client.postJson('/account/passkeys/options', {}, headers);
    const credential = key.register(good.json().options);
    const add = await client.postJson('/account/passkeys', { name: 'no token', credential });
    assert.equal(add.statusCode, 403);
    const login = await new InjectClient(t.app, nextIp()).postJson('/login/passkey/options', {});
    assert.equal(login.statusCode, 403);
    const stored = await t.db.selectFrom('passkeys').select('name').where('name', '=', 'no token').execute();
    assert.deepEqual(stored, []);
  });

  it('refuses a passkey made for another origin', async () => {
    const client = await signedInViaPasskey();
    const headers = await csrf(client, '/account');
    const options = await client.postJson('/account/passkeys/options', {}, headers);
    const credential = new SoftAuthenticator(origin, rpId).register(options.json().options, {
      origin: 'https://phish.example.net',
    });
    const res = await client.postJson('/account/passkeys', { name: 'phished', credential }, headers);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'INVALID_CREDENTIALS');
    assert.equal((await t.ctx.passkeys.list(adminId)).length, 1);
  });

  it('a passkey answers the second step after the password (the password alone signs nobody in)', async () => {
    const client = new InjectClient(t.app, nextIp());
    const password = await passwordStep(client, ADMIN);
    assert.equal(password.headers.location, '/login/two-factor');
    const step = await client.get('/login/two-factor');
    assert.match(step.body, /id="passkey-second-factor"/);
    assert.doesNotMatch(step.body, /id="two-factor-login"/, 'no code form: this account has no authenticator app');
    assert.equal((await client.get('/')).statusCode, 303, 'half signed in only');
    const res = await secondFactor(new InjectClient(t.app, nextIp()), ADMIN, (o) => adminKey.assert(o));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().next, '/');
    const logins = await auditOf('login.success');
    assert.equal(logins.at(-1)!.detail, 'with a passkey');
  });

  it('signs in without a password with a discoverable passkey, user verification required', async () => {
    const client = new InjectClient(t.app, nextIp());
    const res = await passwordless(client, adminKey);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().next, '/account');
    assert.equal((await client.get('/')).statusCode, 200);
    const row = await t.db.selectFrom('passkeys').selectAll().where('user_id', '=', adminId).executeTakeFirstOrThrow();
    assert.ok(row.last_used_at);
    assert.equal(row.counter, adminKey.credentials[0]!.counter);

    const unverified = new InjectClient(t.app, nextIp());
    const refused = await passwordless(unverified, adminKey, { userVerified: false });
    assert.equal(refused.statusCode, 401);
    assert.equal((await unverified.get('/')).statusCode, 303);
  });

  it('refuses a wrong signature, and counts it as a failed login', async () => {
    const client = new InjectClient(t.app, nextIp());
    const res = await passwordless(client, adminKey, { breakSignature: true });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'INVALID_CREDENTIALS');
    assert.equal((await client.get('/')).statusCode, 303);
    const failed = await auditOf('login.failed');
    assert.equal(failed.at(-1)!.detail, 'passkey refused');
    assert.equal(failed.at(-1)!.object_name, ADMIN.email);
  });

  it('refuses an old or repeated signature counter (a cloned authenticator)', async () => {
    const stored = async () =>
      (await t.db.selectFrom('passkeys').select('counter').where('user_id', '=', adminId).executeTakeFirstOrThrow())
        .counter;
    const seen = await stored();
    const replayed = await passwordless(new InjectClient(t.app, nextIp()), adminKey, { counter: seen });
    assert.equal(replayed.statusCode, 401);
    const older = await passwordless(new InjectClient(t.app, nextIp()), adminKey, { counter: seen - 1 });
    assert.equal(older.statusCode, 401);
    assert.equal(await stored(), seen, 'a refused answer moves nothing');
    const fresh = await passwordless(new InjectClient(t.app, nextIp()), adminKey, { counter: seen + 5 });
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.equal(await stored(), seen + 5);
  });

  it('answers each challenge once: a second answer to the same challenge is refused', async () => {
    const client = new InjectClient(t.app, nextIp());
    const { options, headers } = await passwordlessOptions(client);
    const broken = await client.postJson(
      '/login/passkey',
      { credential: adminKey.assert(options, { breakSignature: true }) },
      headers,
    );
    assert.equal(broken.statusCode, 401);
    // A good signature over the same challenge comes too late: the challenge was spent by the first answer.
    const late = await client.postJson('/login/passkey', { credential: adminKey.assert(options) }, headers);
    assert.equal(late.statusCode, 401);
    assert.match(late.json().error.message, /expired or was already used/);
    assert.equal((await client.get('/')).statusCode, 303);
    // Below the session too: the stored challenge is taken by its first answer only.
    const started = await t.ctx.passkeys.startSignIn('passwordless');
    const answer = adminKey.assert(started.options);
    assert.deepEqual(await t.ctx.passkeys.finishSignIn('passwordless', started.challengeId, answer), {
      userId: adminId,
      passkeyId: (await t.ctx.passkeys.list(adminId))[0]!.id,
    });
    await assert.rejects(
      t.ctx.passkeys.finishSignIn('passwordless', started.challengeId, adminKey.assert(started.options)),
      /expired or was already used/,
    );
  });

  it("refuses another user's passkey as someone's second factor", async () => {
    const bob = await addMember(t, 'bob@example.com');
    const bobKey = new SoftAuthenticator(origin, rpId);
    const bobClient = new InjectClient(t.app, nextIp());
    await passwordStep(bobClient, { email: bob.email, password: PASSWORD });
    assert.equal((await addPasskey(bobClient, bobKey, 'Bob phone')).statusCode, 201);
    const bobCredential = bobKey.credentials[0]!.id.toString('base64url');

    const client = new InjectClient(t.app, nextIp());
    const res = await secondFactor(
      client,
      ADMIN,
      (o: { challenge: string; allowCredentials: Array<{ id: string }> }) => {
        assert.ok(!o.allowCredentials.some((c) => c.id === bobCredential), "the options list the admin's keys only");
        return bobKey.assert(o, { credentialId: bobCredential });
      },
    );
    assert.equal(res.statusCode, 401);
    assert.equal((await client.get('/')).statusCode, 303);
    // Bob's own passkey still signs Bob in, without a password, as Bob.
    const bobAgain = new InjectClient(t.app, nextIp());
    assert.equal((await passwordless(bobAgain, bobKey)).statusCode, 200);
    assert.match((await bobAgain.get('/account')).body, /bob@example\.com/);
  });

  it('counts failed passkey answers in the login throttle', async () => {
    const ip = nextIp();
    for (let i = 0; i < 3; i++) {
      const res = await passwordless(new InjectClient(t.app, ip), adminKey, { breakSignature: true });
      assert.equal(res.statusCode, 401);
    }
    const locked = await passwordless(new InjectClient(t.app, ip), adminKey);
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
  });

  it('renames and removes a passkey (audited); a removed passkey signs nobody in', async () => {
    const client = await signedInViaPasskey();
    const key = new SoftAuthenticator(origin, rpId);
    assert.equal((await addPasskey(client, key, 'Spare key')).statusCode, 201);
    const spare = (await t.ctx.passkeys.list(adminId)).find((p) => p.name === 'Spare key')!;
    const form = { _csrf: await client.csrfFrom('/account') };
    const renamed = await client.postForm(`/account/passkeys/${spare.id}/rename`, { ...form, name: 'Desk key' });
    assert.equal(renamed.statusCode, 200);
    assert.match(renamed.body, /value="Desk key"/);
    const blank = await client.postForm(`/account/passkeys/${spare.id}/rename`, { ...form, name: '   ' });
    assert.equal(blank.statusCode, 422);
    const [rename] = await auditOf('passkey.rename');
    assert.deepEqual(JSON.parse(rename!.changes!), { name: { before: 'Spare key', after: 'Desk key' } });

    assert.equal((await passwordless(new InjectClient(t.app, nextIp()), key)).statusCode, 200);
    const removed = await client.postForm(`/account/passkeys/${spare.id}/remove`, form);
    assert.equal(removed.statusCode, 200);
    assert.doesNotMatch(removed.body, /Desk key/);
    const [remove] = await auditOf('passkey.remove');
    assert.equal(remove!.object_name, 'Desk key');
    assert.equal((await passwordless(new InjectClient(t.app, nextIp()), key)).statusCode, 401);
    const noToken = await client.postForm(
      `/account/passkeys/${(await t.ctx.passkeys.list(adminId))[0]!.id}/remove`,
      {},
    );
    assert.equal(noToken.statusCode, 403);
    assert.equal((await t.ctx.passkeys.list(adminId)).length, 1);
  });

  it('"require two-factor" is satisfied by a passkey; the last one cannot be removed then', async () => {
    await t.ctx.twoFactor.setRequired(true);
    try {
      const carol = await addMember(t, 'carol@example.com');
      const client = new InjectClient(t.app, nextIp());
      const login = await passwordStep(client, { email: carol.email, password: PASSWORD });
      assert.equal(login.headers.location, '/account');
      assert.equal((await client.get('/')).statusCode, 303, 'enrolment first');
      const key = new SoftAuthenticator(origin, rpId);
      assert.equal((await addPasskey(client, key, 'Carol laptop')).statusCode, 201);
      assert.equal((await client.get('/')).statusCode, 200, 'a passkey is enough');
      const [only] = await t.ctx.passkeys.list(carol.id);
      const remove = await client.postForm(`/account/passkeys/${only!.id}/remove`, {
        _csrf: await client.csrfFrom('/account'),
      });
      assert.equal(remove.statusCode, 422);
      assert.match(remove.body, /requires two-factor/);
      // Next time the password asks for the passkey, not for enrolment.
      const again = new InjectClient(t.app, nextIp());
      const res = await secondFactor(again, { email: carol.email, password: PASSWORD }, (o) => key.assert(o));
      assert.equal(res.statusCode, 200);
      assert.equal((await again.get('/')).statusCode, 200);
    } finally {
      await t.ctx.twoFactor.setRequired(false);
    }
  });

  it('with two-factor required, either factor may go while the other remains, never both', async () => {
    await t.ctx.twoFactor.setRequired(true);
    try {
      const dan = await addMember(t, 'dan@example.com');
      const client = new InjectClient(t.app, nextIp());
      await passwordStep(client, { email: dan.email, password: PASSWORD });
      await enrol(client);
      const key = new SoftAuthenticator(origin, rpId);
      assert.equal((await addPasskey(client, key, 'Dan laptop')).statusCode, 201);
      // The passkey remains, so the authenticator app may be turned off (this was refused outright before).
      const off = await client.postForm('/account/two-factor/disable', {
        _csrf: await client.csrfFrom('/account'),
        password: PASSWORD,
      });
      assert.equal(off.statusCode, 200);
      assert.match(off.body, /Two-factor authentication is off/);
      assert.equal(await t.ctx.twoFactor.isEnabled(dan.id), false);
      // Now the passkey is the last second factor: it stays.
      const [only] = await t.ctx.passkeys.list(dan.id);
      const remove = await client.postForm(`/account/passkeys/${only!.id}/remove`, {
        _csrf: await client.csrfFrom('/account'),
      });
      assert.equal(remove.statusCode, 422);
      assert.match(remove.body, /add another passkey or an authenticator app first/);
      assert.equal((await t.ctx.passkeys.list(dan.id)).length, 1);
    } finally {
      await t.ctx.twoFactor.setRequired(false);
    }
  });

  it('with two-factor required, the authenticator app cannot be turned off when it is the only factor', async () => {
    await t.ctx.twoFactor.setRequired(true);
    try {
      const erin = await addMember(t, 'erin@example.com');
      const client = new InjectClient(t.app, nextIp());
      await passwordStep(client, { email: erin.email, password: PASSWORD });
      await enrol(client);
      const off = await client.postForm('/account/two-factor/disable', {
        _csrf: await client.csrfFrom('/account'),
        password: PASSWORD,
      });
      assert.equal(off.statusCode, 422);
      assert.match(off.body, /add a passkey before turning the authenticator app off/);
      assert.equal(await t.ctx.twoFactor.isEnabled(erin.id), true);
    } finally {
      await t.ctx.twoFactor.setRequired(false);
    }
  });

  it('refuses passkey sign-in when single sign-on has turned local login off', async () => {
    await writeSsoSettings(t.db, {
      issuer: 'https://id.example.com',
      clientId: 'berth',
      clientSecretEncrypted: 'unused',
      allowedDomains: ['example.com'],
      groupClaim: 'groups',
      groupRoles: {},
      disableLocalLogin: true,
    });
    try {
      const client = new InjectClient(t.app, nextIp());
      const page = await client.get('/login');
      assert.doesNotMatch(page.body, /id="passkey-login"/);
      // The page's own token (the htmx header on <body>): the refusal is SSO's, not CSRF's.
      const token = /"x-csrf-token": "([^"]+)"/.exec(page.body)![1]!;
      const options = await client.postJson('/login/passkey/options', {}, { 'x-csrf-token': token });
      assert.equal(options.statusCode, 403);
      assert.match(options.json().error.message, /single sign-on/);
    } finally {
      await removeSsoSettings(t.db);
    }
  });

  async function signedInViaPasskey(): Promise<InjectClient> {
    const client = new InjectClient(t.app, nextIp());
    const res = await passwordless(client, adminKey);
    assert.equal(res.statusCode, 200, res.body);
    return client;
  }
});
