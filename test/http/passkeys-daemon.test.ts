/**
 * Passkeys over real HTTP against `berth serve` as a child process (its own data dir, its configured public
 * URL as the relying party): the software authenticator's real signatures through the whole stack —
 * claim, add a passkey, sign out, sign in without password, as the second factor, and the refusals of a
 * broken signature and of a replayed answer. The full matrix of refusals is in passkeys.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { FetchClient } from '../helpers/fetch-client.js';
import { addPasskey, passwordless, passwordlessOptions, secondFactorAnswer } from '../helpers/passkey-flows.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

const ADMIN = { email: 'owner@example.com', password: 'correct horse battery' };

describe('passkeys against a running daemon', () => {
  let daemon: DaemonProcess;
  let key: SoftAuthenticator;

  before(async () => {
    daemon = await startDaemonProcess();
    assert.ok(daemon.setupUrl, daemon.output());
    const url = new URL(daemon.baseUrl);
    key = new SoftAuthenticator(url.origin, url.hostname);
  });
  after(async () => {
    await daemon?.stop();
  });

  it('claims the install, adds a passkey and signs out', async () => {
    const client = new FetchClient(daemon.baseUrl);
    const setup = new URL(daemon.setupUrl!);
    const token = setup.searchParams.get('token')!;
    const csrf = await client.csrfFrom(`${setup.pathname}${setup.search}`);
    const claim = await client.postForm('/setup', { _csrf: csrf, token, ...ADMIN });
    assert.equal(claim.statusCode, 303, claim.body.slice(0, 300));
    const added = await addPasskey(client, key, 'Daemon test key');
    assert.equal(added.statusCode, 201, added.body);
    assert.match((await client.get('/account')).body, /value="Daemon test key"/);
    const logout = await client.postForm('/logout', { _csrf: await client.csrfFrom('/account') });
    assert.equal(logout.statusCode, 303);
    assert.equal((await client.get('/account')).statusCode, 303);
  });

  it('signs in without a password; a broken signature and a replayed answer are refused', async () => {
    const broken = new FetchClient(daemon.baseUrl);
    assert.equal((await passwordless(broken, key, { breakSignature: true })).statusCode, 401);
    assert.equal((await broken.get('/account')).statusCode, 303);

    const client = new FetchClient(daemon.baseUrl);
    const { options, headers } = await passwordlessOptions(client);
    const credential = key.assert(options);
    const signedIn = await client.postJson('/login/passkey', { credential }, headers);
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.match((await client.get('/account')).body, /owner@example\.com/);

    // The same answer again, from another browser with a challenge of its own: refused.
    const thief = new FetchClient(daemon.baseUrl);
    const theirs = await passwordlessOptions(thief);
    const replay = await thief.postJson('/login/passkey', { credential }, theirs.headers);
    assert.equal(replay.statusCode, 401);
    assert.equal((await thief.get('/account')).statusCode, 303);
  });

  it('asks for the passkey after the password', async () => {
    const client = new FetchClient(daemon.baseUrl);
    const password = await client.postForm('/login', { _csrf: await client.csrfFrom('/login'), ...ADMIN });
    assert.equal(password.headers.location, '/login/two-factor');
    assert.equal((await client.get('/account')).statusCode, 303, 'the password alone is half a login');
    const res = await secondFactorAnswer(client, (o) => key.assert(o));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await client.get('/account')).statusCode, 200);
  });
});
