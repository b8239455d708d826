import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/passwords.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedAdmin, signedInClient } from '../helpers/accounts.js';
import { InjectClient, csrfTokenOf } from '../helpers/inject-client.js';

const MEMBER = { email: 'member@example.com', password: 'member-long-password' };

function handlesOf(html: string): { current: string[]; others: string[] } {
  const rows = [...html.matchAll(/<tr id="session-([0-9a-f]{24})">([\s\S]*?)<\/tr>/g)];
  return {
    current: rows.filter((r) => r[2]!.includes('this session')).map((r) => r[1]!),
    others: rows.filter((r) => !r[2]!.includes('this session')).map((r) => r[1]!),
  };
}

describe('the session list', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
    await t.db
      .insertInto('users')
      .values({
        id: 'usr_member',
        email: MEMBER.email,
        password_hash: await hashPassword(MEMBER.password),
        role: 'member',
        created_at: new Date().toISOString(),
      })
      .execute();
  });
  after(() => t.close());

  it('lists your sessions with the current one marked, address and browser', async () => {
    const a = await signedInClient(t.app, '10.2.0.1');
    await signedInClient(t.app, '10.2.0.2');
    const page = await a.get('/account');
    const { current, others } = handlesOf(page.body);
    assert.equal(current.length, 1);
    assert.ok(others.length >= 1);
    assert.match(page.body, /<code>10\.2\.0\.1<\/code>/);
    assert.match(page.body, /<code>10\.2\.0\.2<\/code>/);
    assert.match(page.body, /lightMyRequest/, 'the user agent is shown');
  });

  it('revoking another session makes its cookie dead at once', async () => {
    const a = await signedInClient(t.app, '10.2.0.3');
    const b = await signedInClient(t.app, '10.2.0.4');
    assert.equal((await b.get('/')).statusCode, 200);
    const page = await a.get('/account');
    const bRow = [...page.body.matchAll(/<tr id="session-([0-9a-f]{24})">([\s\S]*?)<\/tr>/g)].find((r) =>
      r[2]!.includes('10.2.0.4'),
    )!;
    const res = await a.postForm(`/account/sessions/${bRow[1]}/revoke`, { _csrf: csrfTokenOf(page.body) });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /signed out/);
    const after = await b.get('/');
    assert.equal(after.statusCode, 303);
    assert.match(String(after.headers.location), /^\/login/);
    assert.equal((await a.get('/')).statusCode, 200, 'the current session goes on');
  });

  it('"sign out all other sessions" keeps only the current one', async () => {
    const a = await signedInClient(t.app, '10.2.0.5');
    const others = [await signedInClient(t.app, '10.2.0.6'), await signedInClient(t.app, '10.2.0.7')];
    const res = await a.postForm('/account/sessions/revoke-others', { _csrf: await a.csrfFrom('/account') });
    assert.equal(res.statusCode, 200);
    for (const other of others) assert.equal((await other.get('/')).statusCode, 303);
    const { current, others: left } = handlesOf((await a.get('/account')).body);
    assert.equal(current.length, 1);
    assert.equal(left.length, 0);
  });

  it('a server admin lists and revokes anyone’s sessions; a member can neither list them nor revoke an admin’s', async () => {
    const member = new InjectClient(t.app, '10.2.0.8');
    const login = await member.postForm('/login', { _csrf: await member.csrfFrom('/login'), ...MEMBER });
    assert.equal(login.statusCode, 303);
    const admin = await signedInClient(t.app, '10.2.0.9');
    const all = await admin.get('/server/sessions');
    assert.equal(all.statusCode, 200);
    assert.match(all.body, /member@example\.com/);
    const adminHandle = handlesOf(all.body).current[0]!;

    assert.equal((await member.get('/server/sessions')).statusCode, 403);
    const memberCsrf = await member.csrfFrom('/account');
    const sneaky = await member.postForm(`/account/sessions/${adminHandle}/revoke`, { _csrf: memberCsrf });
    assert.equal(sneaky.statusCode, 404);
    assert.equal((await admin.get('/')).statusCode, 200);

    const memberRow = [...all.body.matchAll(/<tr id="session-([0-9a-f]{24})">([\s\S]*?)<\/tr>/g)].find((r) =>
      r[2]!.includes('member@example.com'),
    )!;
    const revoked = await admin.postForm(`/server/sessions/${memberRow[1]}/revoke`, { _csrf: csrfTokenOf(all.body) });
    assert.equal(revoked.statusCode, 200);
    assert.equal((await member.get('/')).statusCode, 303, 'the member is signed out');
  });
});
