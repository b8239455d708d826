/**
 * Compose stacks over HTTP (fastify inject, real SQLite, nothing deployed): the panel form refuses a file
 * with a forbidden option and lists every problem with its line, keeping what was typed; a good file
 * creates the stack and its page shows it with secrets masked; a viewer reads but cannot create; a
 * second stack with a taken name is 409; changes are audited as stack.*.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';

const GOOD = [
  'services:',
  '  web:',
  '    image: berth-test/busybox:latest',
  '    environment:',
  '      KEY: ${KEY}',
  '',
].join('\n');
const BAD = [
  'services:',
  '  web:',
  '    image: berth-test/busybox:latest',
  '    network_mode: host',
  '    cap_add: [ALL]',
  '',
].join('\n');

describe('compose stacks over HTTP', () => {
  let t: TestApp;
  let team: Team;
  let devPanel: InjectClient;
  let viewer: Record<string, string>;

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    devPanel = await signIn(t, team.users.developer.email);
    viewer = { authorization: `Bearer ${await token(t, team.users.viewer.id)}` };
  });
  after(async () => t?.close());

  it('the panel form shows every refused option with its line, then creates a good stack', async () => {
    const page = await devPanel.get(`/projects/${team.alpha}/stacks`);
    assert.equal(page.statusCode, 200);
    const csrf = csrfTokenOf(page.body);
    const bad = await devPanel.postForm(`/projects/${team.alpha}/stacks`, {
      _csrf: csrf,
      name: 'web-stack',
      sourceType: 'paste',
      compose: BAD,
      routedService: 'web',
      routedPort: '80',
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /line 4: services\.web\.network_mode: network_mode: host joins the host’s network/);
    assert.match(bad.body, /line 5: services\.web\.cap_add: cap_add gives the container/);
    assert.match(bad.body, /value="web-stack"/, 'what was typed stays');

    const good = await devPanel.postForm(`/projects/${team.alpha}/stacks`, {
      _csrf: csrf,
      name: 'web-stack',
      sourceType: 'paste',
      compose: GOOD,
      routedService: 'web',
      routedPort: '80',
      variables: 'KEY=plain-value',
      secrets: 'TOKEN=very-secret-token',
    });
    assert.equal(good.statusCode, 303, good.body);
    const shown = await devPanel.get(good.headers.location as string);
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /web-stack/);
    assert.match(shown.body, /plain-value/);
    assert.doesNotMatch(shown.body, /very-secret-token/);
    assert.match(shown.body, /http:\/\/web-stack-alpha\.localhost/);
  });

  it('a viewer reads stacks but cannot create one; a taken name is 409; writes are audited', async () => {
    const list = await t.app.inject({ method: 'GET', url: `/api/v1/projects/${team.alpha}/stacks`, headers: viewer });
    assert.equal(list.statusCode, 200);
    assert.ok((list.json() as { name: string }[]).some((s) => s.name === 'web-stack'));
    const body = {
      name: 'other',
      source: { type: 'paste', compose: GOOD },
      routedService: 'web',
      routedPort: 80,
      variables: { KEY: 'x' },
    };
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${team.alpha}/stacks`,
      headers: viewer,
      payload: body,
    });
    assert.equal(refused.statusCode, 403);
    const dev = { authorization: `Bearer ${await token(t, team.users.developer.id)}` };
    const taken = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${team.alpha}/stacks`,
      headers: dev,
      payload: { ...body, name: 'web-stack' },
    });
    assert.equal(taken.statusCode, 409, taken.body);
    const missing = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${team.alpha}/stacks`,
      headers: dev,
      payload: { ...body, variables: {} },
    });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.json().error.message, /\$\{KEY\} is used but has no value/);
    const actions = await t.db
      .selectFrom('audit_events')
      .select(['action', 'outcome', 'object_name'])
      .where('action', 'like', 'stack.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      actions.map((a) => `${a.action} ${a.outcome}`),
      [
        'stack.create failure',
        'stack.create success',
        'stack.create failure',
        'stack.create failure',
        'stack.create failure',
      ],
    );
    assert.equal(actions[1]!.object_name, 'web-stack');
  });

  it('the template gallery lists the built-in catalog; deleting a project deletes its stacks', async () => {
    const gallery = await devPanel.get(`/projects/${team.alpha}/templates`);
    assert.equal(gallery.statusCode, 200);
    for (const name of ['Uptime Kuma', 'Gitea', 'Vaultwarden', 'WordPress'])
      assert.match(gallery.body, new RegExp(name));
    assert.match(gallery.body, /ADMIN_TOKEN<\/code>: generated/);

    const owner = { authorization: `Bearer ${await token(t, team.users.owner.id)}` };
    const project = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: owner,
      payload: { name: 'gamma' },
    });
    const projectId = project.json().id as string;
    const stack = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${projectId}/stacks`,
      headers: owner,
      payload: {
        name: 'app',
        source: { type: 'paste', compose: GOOD },
        routedService: 'web',
        routedPort: 80,
        variables: { KEY: 'k' },
      },
    });
    assert.equal(stack.statusCode, 201, stack.body);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/projects/${projectId}`,
      headers: owner,
      payload: { confirm: 'gamma' },
    });
    assert.equal(deleted.statusCode, 200, deleted.body);
    assert.match(deleted.body, /Deleted compose stack \\"app\\"/);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `/api/v1/stacks/${stack.json().id}`, headers: owner })).statusCode,
      404,
    );
  });
});
