/**
 * Attacks on teams and access against the real app: invitations reused, expired or posted without CSRF;
 * a removed or demoted member's session and token; editing one's own role; a viewer reaching variable
 * values, credentials or backups; another project's ids in a live stream or a token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { PASSWORD, seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';
import { InjectClient } from '../helpers/inject-client.js';

describe('teams and access: attacks', () => {
  let t: TestApp;
  let team: Team;
  let ownerToken: string;
  const api = (tok: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: object) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${tok}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    ownerToken = await token(t, team.users.owner.id);
    await t.ctx.variables.set(team.ids.service, [['API_KEY', { value: 'sup3r-s3cret-value', secret: true }]]);
  });
  after(() => t.close());

  const invite = async (body: object) => {
    const res = await api(ownerToken, 'POST', '/invitations', body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { token: string; url: string; id: string };
  };

  it('an invitation link works once, creates the member with its grants, and signs them in', async () => {
    const { token: inv, url } = await invite({
      email: 'new@example.com',
      grants: [{ projectId: team.alpha, role: 'developer' }],
    });
    assert.match(url, /\/invite\?token=inv_/);
    const browser = new InjectClient(t.app, '10.20.0.1');
    const page = await browser.get(`/invite?token=${inv}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /a member/);
    const csrf = await browser.csrfFrom(`/invite?token=${inv}`);
    const accepted = await browser.postForm('/invite', { _csrf: csrf, token: inv, password: PASSWORD });
    assert.equal(accepted.statusCode, 303, accepted.body);
    const projects = (await browser.get('/palette.json')).json() as { items: Array<{ kind: string; label: string }> };
    assert.deepEqual(
      projects.items.filter((i) => i.kind === 'project').map((i) => i.label),
      ['alpha'],
    );
    // A member is not offered the pages only server admins may open; the owner is.
    const labels = projects.items.map((i) => i.label);
    assert.ok(labels.includes('Account, two-factor and sessions'));
    assert.ok(!labels.includes('Members and invitations') && !labels.includes('Audit log'), labels.join(', '));
    const owner = await signIn(t, team.users.owner.email);
    const ownerLabels = ((await owner.get('/palette.json')).json() as { items: Array<{ label: string }> }).items;
    assert.ok(ownerLabels.some((i) => i.label === 'Members and invitations'));

    const again = new InjectClient(t.app, '10.20.0.2');
    assert.equal((await again.get(`/invite?token=${inv}`)).statusCode, 404);
    const csrf2 = await again.csrfFrom('/login');
    const reused = await again.postForm('/invite', {
      _csrf: csrf2,
      token: inv,
      email: 'x@example.com',
      password: PASSWORD,
    });
    assert.equal(reused.statusCode, 404, 'a used invitation is refused');
  });

  it('refuses an expired invitation, and an accept without the CSRF token', async () => {
    const { token: inv, id } = await invite({
      serverRole: 'member',
      grants: [{ projectId: team.alpha, role: 'viewer' }],
    });
    const browser = new InjectClient(t.app, '10.20.0.3');
    await browser.get(`/invite?token=${inv}`);
    const noCsrf = await browser.postForm('/invite', { token: inv, email: 'c@example.com', password: PASSWORD });
    assert.equal(noCsrf.statusCode, 403);
    await t.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', id)
      .execute();
    assert.equal((await browser.get(`/invite?token=${inv}`)).statusCode, 404);
    const csrf = await browser.csrfFrom('/login');
    const late = await browser.postForm('/invite', {
      _csrf: csrf,
      token: inv,
      email: 'late@example.com',
      password: PASSWORD,
    });
    assert.equal(late.statusCode, 404);
    assert.equal(
      await t.db.selectFrom('users').select('id').where('email', '=', 'late@example.com').executeTakeFirst(),
      undefined,
    );
  });

  it("nobody but a server admin edits roles: not one's own, not as project admin, and never the owner", async () => {
    const dev = await token(t, team.users.developer.id);
    const padmin = await token(t, team.users.projectAdmin.id);
    const raise = { role: 'admin' };
    assert.equal(
      (await api(dev, 'PUT', `/members/${team.users.developer.id}/projects/${team.alpha}`, raise)).statusCode,
      403,
    );
    assert.equal(
      (await api(padmin, 'PUT', `/members/${team.users.developer.id}/projects/${team.alpha}`, raise)).statusCode,
      403,
    );
    assert.equal((await api(dev, 'PUT', `/members/${team.users.developer.id}/role`, raise)).statusCode, 403);
    const admin = await token(t, team.users.admin.id);
    assert.equal((await api(admin, 'PUT', `/members/${team.users.owner.id}/role`, { role: 'member' })).statusCode, 403);
    assert.equal((await api(admin, 'DELETE', `/members/${team.users.owner.id}`)).statusCode, 403);
    assert.equal((await api(admin, 'POST', `/members/${team.users.admin.id}/ownership`)).statusCode, 403);
    // A developer's token cannot be made more than a developer.
    const tooMuch = await api(dev, 'POST', '/tokens', { name: 'more', projectId: team.alpha, role: 'admin' });
    assert.equal(tooMuch.statusCode, 403);
    // Another project's id in the body or path: the outsider's project is invisible (404).
    assert.equal((await api(dev, 'POST', '/tokens', { name: 'beta', projectId: team.beta })).statusCode, 404);
    assert.equal((await api(dev, 'GET', `/services/${team.betaService}`)).statusCode, 404);
  });

  it('a viewer sees variable names but not values, and no credentials, reveal or backup download', async () => {
    const viewer = await token(t, team.users.viewer.id);
    const vars = await api(viewer, 'GET', `/services/${team.ids.service}/variables`);
    assert.equal(vars.statusCode, 200);
    assert.deepEqual(vars.json(), { API_KEY: 'hidden' });
    assert.doesNotMatch(vars.body, /sup3r/);
    const dev = await token(t, team.users.developer.id);
    assert.equal(
      (await api(dev, 'GET', `/services/${team.ids.service}/variables`)).json().API_KEY,
      'sup3r-s3cret-value',
    );
    assert.equal((await api(viewer, 'GET', `/databases/${team.ids.database}/credentials`)).statusCode, 403);
    assert.equal((await api(viewer, 'GET', `/backups/${team.ids.backup}/download`)).statusCode, 403);
    const panel = await signIn(t, 'viewer@example.com');
    const page = await panel.get(`/services/${team.ids.service}/variables`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /API_KEY/);
    assert.doesNotMatch(page.body, /sup3r/);
    const csrf = await panel.csrfFrom(`/services/${team.ids.service}/variables`);
    const reveal = await panel.postForm(`/services/${team.ids.service}/variables/reveal`, {
      _csrf: csrf,
      key: 'API_KEY',
    });
    assert.equal(reveal.statusCode, 403);
    assert.doesNotMatch(reveal.body, /sup3r/);
    assert.equal((await panel.get(`/backups/${team.ids.backup}/download`)).statusCode, 403);
    // The live stream follows only what the viewer may read.
    assert.equal((await panel.get(`/live?project=${team.beta}`, { accept: 'application/json' })).statusCode, 404);
  });

  it("a removed member's session and token stop at once; a lower role ends the session", async () => {
    const member = await t.ctx.auth.findUserById(team.users.developer.id);
    assert.ok(member);
    const session = await signIn(t, 'dev@example.com');
    const tok = await token(t, member.id);
    assert.equal((await session.get(`/services/${team.ids.service}`)).statusCode, 200);
    assert.equal((await api(tok, 'GET', `/services/${team.ids.service}`)).statusCode, 200);

    const viewerSession = await signIn(t, 'viewer@example.com');
    assert.equal((await viewerSession.get('/')).statusCode, 200);
    const lowered = await api(ownerToken, 'PUT', `/members/${team.users.viewer.id}/projects/${team.alpha}`, {
      role: 'none',
    });
    assert.equal(lowered.statusCode, 204);
    assert.equal((await viewerSession.get('/')).statusCode, 303, 'sent to the login page');

    assert.equal((await api(ownerToken, 'DELETE', `/members/${member.id}`)).statusCode, 204);
    const after = await session.get(`/services/${team.ids.service}`);
    assert.equal(after.statusCode, 303);
    assert.match(String(after.headers.location), /^\/login/);
    assert.equal((await api(tok, 'GET', `/services/${team.ids.service}`)).statusCode, 401);
  });

  it('ownership moves only by the owner; the old owner stays an admin', async () => {
    const res = await api(ownerToken, 'POST', `/members/${team.users.admin.id}/ownership`);
    assert.equal(res.statusCode, 204);
    const me = await api(ownerToken, 'GET', '/me');
    assert.equal(me.json().user.role, 'admin');
    const admin = await token(t, team.users.admin.id);
    assert.equal((await api(admin, 'GET', '/me')).json().user.role, 'owner');
  });
});
