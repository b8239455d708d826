/**
 * The panel's Members page through real requests: an invitation link created in the panel and accepted
 * at /invite by a second browser, a project role changed, a member removed (their session dies), the
 * owner moving ownership; CSRF refused on every form; people who are not server admins kept out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { InjectClient, csrfTokenOf } from '../helpers/inject-client.js';
import { PASSWORD, seedTeam, signIn, type Team } from '../helpers/team-fixture.js';

describe('panel: members page', () => {
  let t: TestApp;
  let team: Team;
  let owner: InjectClient;
  let csrf: string;

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    owner = await signIn(t, 'owner@example.com');
    csrf = await owner.csrfFrom('/members');
  });
  after(() => t.close());

  const grantsOf = async (userId: string) =>
    (await t.ctx.auth.listMembers()).find((m) => m.id === userId)?.grants ?? [];
  const actions = async () => (await t.ctx.audit.list({}, { limit: 200, offset: 0 })).events.map((e) => e.action);

  it('lists members with their server role, the owner badge and project roles, linked from the nav', async () => {
    const page = await owner.get('/members');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /href="\/members" aria-current="page"/);
    assert.match(page.body, /owner@example\.com <span class="badge ok">owner<\/span>/);
    const dev = new RegExp(`id="member-${team.users.developer.id}"[\\s\\S]*?alpha: <strong>developer</strong>`);
    assert.match(page.body, dev);
    assert.match(page.body, /admin@example\.com/);
  });

  it('creates an invitation link shown once, which a second browser accepts at /invite', async () => {
    const created = await owner.postForm('/members/invitations', {
      _csrf: csrf,
      email: 'newcomer@example.com',
      serverRole: 'member',
      [`grant_${team.alpha}`]: 'viewer',
      [`grant_${team.beta}`]: 'none',
    });
    assert.equal(created.statusCode, 200, created.body);
    const link = /id="new-invitation-link">([^<]+)</.exec(created.body)?.[1];
    assert.ok(link, 'the link is shown');
    assert.match(created.body, new RegExp(`data-copy="${link!.replace(/[?.]/g, '\\$&')}"`), 'with a copy button');
    const listed = await owner.get('/members');
    assert.match(listed.body, /newcomer@example\.com/);
    const secret = new URL(link!).searchParams.get('token')!;
    assert.ok(!listed.body.includes(secret), 'the link is not shown again');

    const path = new URL(link!).pathname + new URL(link!).search;
    const browser = new InjectClient(t.app, '10.30.0.1');
    const invitePage = await browser.get(path);
    assert.equal(invitePage.statusCode, 200);
    const accepted = await browser.postForm('/invite', {
      _csrf: csrfTokenOf(invitePage.body),
      token: secret,
      password: PASSWORD,
    });
    assert.equal(accepted.statusCode, 303, accepted.body);
    const member = (await t.ctx.auth.listMembers()).find((m) => m.email === 'newcomer@example.com');
    assert.deepEqual(member?.grants, [{ projectId: team.alpha, role: 'viewer' }]);
    assert.doesNotMatch((await owner.get('/members')).body, /id="invitation-/, 'a used invitation is no longer open');
    assert.ok((await actions()).includes('invitation.create'));
  });

  it('shows a refused invitation in place, and revokes an open one', async () => {
    const refused = await owner.postForm('/members/invitations', { _csrf: csrf, serverRole: 'member' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /id="invite-error"[^>]*>Give the member at least one project/);

    await owner.postForm('/members/invitations', { _csrf: csrf, serverRole: 'admin' });
    const id = /id="invitation-([^"]+)"/.exec((await owner.get('/members')).body)?.[1];
    assert.ok(id);
    const revoked = await owner.postForm(`/members/invitations/${id}/revoke`, { _csrf: csrf });
    assert.equal(revoked.statusCode, 303);
    const after = await owner.get('/members');
    assert.match(after.body, /Invitation revoked/);
    assert.doesNotMatch(after.body, new RegExp(`id="invitation-${id}"`));
    assert.ok((await actions()).includes('invitation.revoke'));
  });

  it("changes a member's project role, and lowering it ends their session", async () => {
    const dev = await signIn(t, 'dev@example.com');
    assert.equal((await dev.get('/')).statusCode, 200);
    const res = await owner.postForm(`/members/${team.users.developer.id}/project-role`, {
      _csrf: csrf,
      projectId: team.alpha,
      role: 'viewer',
    });
    assert.equal(res.statusCode, 303);
    assert.deepEqual(await grantsOf(team.users.developer.id), [{ projectId: team.alpha, role: 'viewer' }]);
    assert.match((await owner.get('/members')).body, /Project role set to viewer/);
    const after = await dev.get('/');
    assert.equal(after.statusCode, 303, 'the lowered member is signed out');
    assert.match(after.headers.location as string, /\/login/);
    assert.ok((await actions()).includes('member.project-role'));

    const own = await owner.postForm(`/members/${team.users.owner.id}/project-role`, {
      _csrf: csrf,
      projectId: team.alpha,
      role: 'viewer',
    });
    assert.equal(own.statusCode, 403);
    assert.match(own.body, /id="members-error"[^>]*>You cannot change your own access/);
  });

  it("removes a member: that member's session is dead at once", async () => {
    const viewer = await signIn(t, 'viewer@example.com');
    assert.equal((await viewer.get('/')).statusCode, 200);
    const res = await owner.postForm(`/members/${team.users.viewer.id}/remove`, { _csrf: csrf });
    assert.equal(res.statusCode, 303);
    assert.match((await owner.get('/members')).body, /viewer@example\.com removed/);
    assert.equal((await viewer.get('/')).statusCode, 303);
    assert.equal(
      (await t.ctx.auth.listMembers()).some((m) => m.id === team.users.viewer.id),
      false,
    );
    assert.ok((await actions()).includes('member.remove'));
  });

  it('refuses every new form without its CSRF token', async () => {
    const forms: Array<[string, Record<string, string>]> = [
      ['/members/invitations', { serverRole: 'admin' }],
      ['/members/invitations/inv_x/revoke', {}],
      [`/members/${team.users.outsider.id}/project-role`, { projectId: team.alpha, role: 'admin' }],
      [`/members/${team.users.outsider.id}/role`, { role: 'admin' }],
      [`/members/${team.users.outsider.id}/remove`, {}],
      [`/members/${team.users.outsider.id}/ownership`, {}],
    ];
    for (const [url, fields] of forms) {
      assert.equal((await owner.postForm(url, fields)).statusCode, 403, url);
    }
    const outsider = (await t.ctx.auth.listMembers()).find((m) => m.id === team.users.outsider.id);
    assert.equal(outsider?.role, 'member');
    assert.deepEqual(outsider?.grants, [{ projectId: team.beta, role: 'admin' }]);
  });

  it('keeps people who are not server admins out, and moving ownership to the owner alone', async () => {
    for (const email of ['padmin@example.com', 'outsider@example.com']) {
      const member = await signIn(t, email);
      const page = await member.get('/members');
      assert.ok([403, 404].includes(page.statusCode), `${email}: ${page.statusCode}`);
      assert.doesNotMatch((await member.get('/')).body, /href="\/members"/, 'no nav link for members');
      const post = await member.postForm(`/members/${team.users.outsider.id}/role`, {
        _csrf: csrfTokenOf((await member.get('/account')).body),
        role: 'admin',
      });
      assert.ok([403, 404].includes(post.statusCode));
    }
    const admin = await signIn(t, 'admin@example.com');
    const adminPage = await admin.get('/members');
    assert.equal(adminPage.statusCode, 200);
    assert.doesNotMatch(adminPage.body, /Make owner/, 'only the owner is offered the transfer');
    const adminCsrf = csrfTokenOf(adminPage.body);
    const grab = await admin.postForm(`/members/${team.users.admin.id}/ownership`, { _csrf: adminCsrf });
    assert.equal(grab.statusCode, 403);
    assert.equal(
      (await admin.postForm(`/members/${team.users.owner.id}/remove`, { _csrf: adminCsrf })).statusCode,
      403,
    );

    const moved = await owner.postForm(`/members/${team.users.admin.id}/ownership`, { _csrf: csrf });
    assert.equal(moved.statusCode, 303);
    const roles = new Map((await t.ctx.auth.listMembers()).map((m) => [m.id, m.role]));
    assert.equal(roles.get(team.users.admin.id), 'owner');
    assert.equal(roles.get(team.users.owner.id), 'admin');
    assert.ok((await actions()).includes('member.transfer-ownership'));
  });
});
