/**
 * Preview settings and the previews section over the real app (fastify inject, real SQLite): defaults
 * (off, 72 h, 3 at once, empty databases, 256 MB, no forks), partial updates, every out-of-range or
 * unknown field refused with 422 naming it and nothing changed, a viewer's write refused, the project
 * page's section (empty state, settings form) and its form post with CSRF, and the audit of changes.
 * Nothing here runs a container: test/integration/previews.test.ts makes real previews.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';

describe('preview settings over HTTP', () => {
  let t: TestApp;
  let team: Team;
  let owner: Record<string, string>;
  let viewer: Record<string, string>;
  let projectId: string;

  const api = (headers: Record<string, string>, method: 'GET' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const current = async () => (await api(owner, 'GET', `/projects/${projectId}/preview-settings`)).json();

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    owner = { authorization: `Bearer ${await token(t, team.users.owner.id)}` };
    viewer = { authorization: `Bearer ${await token(t, team.users.viewer.id)}` };
    projectId = team.alpha;
  });
  after(async () => {
    await t?.close();
  });

  it('starts with previews off and the documented defaults, and no previews', async () => {
    assert.deepEqual(await current(), {
      enabled: false,
      ttlHours: 72,
      maxPreviews: 3,
      databases: 'empty',
      memoryMb: 256,
      allowForks: false,
    });
    const list = await api(viewer, 'GET', `/projects/${projectId}/previews`);
    assert.equal(list.statusCode, 200, list.body);
    assert.deepEqual(list.json(), []);
  });

  it('changes only the fields sent', async () => {
    const res = await api(owner, 'PATCH', `/projects/${projectId}/preview-settings`, { enabled: true, ttlHours: 24 });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ...res.json(), enabled: true, ttlHours: 24, maxPreviews: 3, memoryMb: 256 });
    const edges = await api(owner, 'PATCH', `/projects/${projectId}/preview-settings`, {
      ttlHours: 720,
      maxPreviews: 20,
      databases: 'seed',
      allowForks: true,
      memoryMb: 512,
    });
    assert.equal(edges.statusCode, 200, edges.body);
    assert.deepEqual(await current(), {
      enabled: true,
      ttlHours: 720,
      maxPreviews: 20,
      databases: 'seed',
      memoryMb: 512,
      allowForks: true,
    });
  });

  it('refuses out-of-range, mistyped and unknown fields by name, changing nothing', async () => {
    const before = await current();
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ttlHours: 0 }, /ttlHours must be a whole number of hours from 1 to 720/],
      [{ ttlHours: 721 }, /ttlHours/],
      [{ ttlHours: 1.5 }, /ttlHours/],
      [{ maxPreviews: 0 }, /maxPreviews must be a whole number from 1 to 20/],
      [{ maxPreviews: 21 }, /maxPreviews/],
      [{ memoryMb: 8 }, /memoryMb/],
      [{ databases: 'copy' }, /databases must be "empty" or "seed"/],
      [{ enabled: 'yes please' }, /enabled must be true or false/],
      [{ ttlHours: 5, sneaky: 1 }, /Unknown preview setting "sneaky"/],
    ];
    for (const [body, message] of bad) {
      const res = await api(owner, 'PATCH', `/projects/${projectId}/preview-settings`, body);
      assert.equal(res.statusCode, 422, `${JSON.stringify(body)}: ${res.body}`);
      assert.match(res.json().error.message, message);
    }
    assert.deepEqual(await current(), before);
  });

  it("refuses a viewer's change and a delete of a preview that does not exist", async () => {
    const res = await api(viewer, 'PATCH', `/projects/${projectId}/preview-settings`, { enabled: false });
    assert.equal(res.statusCode, 403, res.body);
    const missing = await api(owner, 'DELETE', `/projects/${projectId}/previews/feature-x`);
    assert.equal(missing.statusCode, 404, missing.body);
    assert.match(missing.json().error.message, /no preview "feature-x"/);
  });

  it('shows the previews section on the project page and saves its form (CSRF checked)', async () => {
    const client = await signIn(t, team.users.owner.email);
    const page = await client.get(`/projects/${projectId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<section class="card" id="previews">/);
    assert.match(page.body, /id="no-previews"/);
    const csrf = await client.csrfFrom(`/projects/${projectId}`);
    const noCsrf = await client.postForm(`/projects/${projectId}/preview-settings`, { ttlHours: '5' });
    assert.equal(noCsrf.statusCode, 403);
    const saved = await client.postForm(`/projects/${projectId}/preview-settings`, {
      _csrf: csrf,
      ttlHours: '5',
      maxPreviews: '2',
      memoryMb: '128',
      databases: 'empty',
    });
    assert.equal(saved.statusCode, 303);
    assert.deepEqual(await current(), {
      enabled: false,
      ttlHours: 5,
      maxPreviews: 2,
      databases: 'empty',
      memoryMb: 128,
      allowForks: false,
    });
  });

  it('lists a preview with its branch, URL and expiry, and refuses a delete not confirmed by the branch', async () => {
    const expiresAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    await t.db
      .insertInto('environments')
      .values({
        id: 'env_previewtest1',
        project_id: projectId,
        name: 'feature-x',
        created_at: new Date().toISOString(),
        kind: 'preview',
        branch: 'feature/x',
        expires_at: expiresAt,
      })
      .execute();
    const listed = (await api(viewer, 'GET', `/projects/${projectId}/previews`)).json();
    assert.deepEqual(
      listed.map((p: { name: string; branch: string; expiresAt: string }) => [p.name, p.branch, p.expiresAt]),
      [['feature-x', 'feature/x', expiresAt]],
    );
    const client = await signIn(t, team.users.owner.email);
    const page = await client.get(`/projects/${projectId}`);
    assert.match(page.body, /<tr id="preview-feature-x">/);
    assert.match(page.body, /<code>feature\/x<\/code>/);
    assert.doesNotMatch(page.body, /id="no-previews"/);
    const csrf = await client.csrfFrom(`/projects/${projectId}`);
    const refused = await client.postForm(`/projects/${projectId}/previews/feature-x/delete`, {
      _csrf: csrf,
      confirm: 'feature-x',
    });
    assert.equal(refused.statusCode, 303);
    const after = await client.get(`/projects/${projectId}`);
    assert.match(after.body, /Type the branch \(&quot;feature\/x&quot;\) to delete its preview/);
    assert.equal((await api(viewer, 'GET', `/projects/${projectId}/previews`)).json().length, 1);
  });

  it('audits settings changes', async () => {
    const events = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'preview-settings.update')
      .execute();
    assert.ok(events.length >= 3, `${events.length} events`);
  });
});
