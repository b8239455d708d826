/**
 * The environments part of the panel (fastify inject, real SQLite): the project canvas shows one
 * environment (`?env=`) with a switcher, its "+ New" forms create in it, and an admin creates, duplicates
 * and deletes environments (confirm by typing the name) and sets shared variables, whose values never
 * reach the page. Forms need their CSRF token. Nothing here runs a container.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, type Team } from '../helpers/team-fixture.js';

describe('environments in the panel', () => {
  let t: TestApp;
  let team: Team;
  let projectId: string;
  const names = async () => (await t.ctx.environments.list(projectId)).map((e) => e.name);

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    projectId = (await t.ctx.projects.create('shop')).id;
    await t.ctx.environments.create(projectId, { name: 'staging' });
    const image = { type: 'image', image: 'berth-test/busybox:latest' };
    await t.ctx.projects.createService(projectId, { name: 'web', source: image });
    await t.ctx.projects.createService(projectId, { name: 'web', source: image, environment: 'staging' });
    await t.ctx.environments.shared.set(projectId, { STRIPE_KEY: { value: 'sk_live_secret', secret: true } });
  });
  after(async () => {
    await t?.close();
  });

  it('panel: the canvas switches environment, and admins create, duplicate and delete from it', async () => {
    const panel = await signIn(t, team.users.owner.email);
    const prod = await panel.get(`/projects/${projectId}`);
    assert.equal(prod.statusCode, 200);
    assert.match(prod.body, /id="current-environment">production</);
    assert.match(prod.body, /href="\/projects\/[^"]+\?env=staging"/);
    assert.match(prod.body, /name="environment" value="production"/);
    assert.match(prod.body, /id="duplicate-copies">[^<]*cron jobs[^]*Custom domains are not copied/);
    assert.match(prod.body, /name="cron" value="paused"/);
    const staging = await panel.get(`/projects/${projectId}?env=staging`);
    assert.equal(staging.statusCode, 200);
    assert.match(staging.body, /id="current-environment">staging</);
    assert.match(staging.body, /web-staging-shop\.localhost/, "staging's app tile");
    assert.doesNotMatch(staging.body, /web-shop\.localhost/, "production's app is not on staging's canvas");
    assert.match(staging.body, /name="environment" value="staging"/, 'new services go to staging');
    assert.match(staging.body, /id="delete-environment"/);
    assert.doesNotMatch(prod.body, /id="delete-environment"/, 'production has no delete form');
    assert.equal((await panel.get(`/projects/${projectId}?env=nope`)).statusCode, 404);

    const csrf = await panel.csrfFrom(`/projects/${projectId}`);
    const noCsrf = await panel.postForm(`/projects/${projectId}/environments`, { name: 'sneaky' });
    assert.equal(noCsrf.statusCode, 403);
    const created = await panel.postForm(`/projects/${projectId}/environments`, { _csrf: csrf, name: 'preview-a' });
    assert.equal(created.statusCode, 303);
    assert.equal(created.headers.location, `/projects/${projectId}?env=preview-a`);
    const taken = await panel.postForm(`/projects/${projectId}/environments`, { _csrf: csrf, name: 'preview-a' });
    assert.equal(taken.statusCode, 303, 'back to the canvas with the reason');
    const dup = await panel.postForm(`/projects/${projectId}/environments/staging/duplicate`, {
      _csrf: csrf,
      name: 'staging-two',
      databases: 'empty',
    });
    assert.equal(dup.statusCode, 303);
    assert.equal(dup.headers.location, `/projects/${projectId}?env=staging-two`);
    const page = await panel.get(`/projects/${projectId}?env=staging-two`);
    assert.match(page.body, /Duplicated staging into staging-two: 1 app\(s\), 0 database\(s\)/);
    assert.match(page.body, /web-staging-two-shop\.localhost/);
    const wrong = await panel.postForm(`/projects/${projectId}/environments/staging-two/delete`, {
      _csrf: csrf,
      confirm: 'staging',
    });
    assert.equal(wrong.statusCode, 303);
    assert.ok(await names().then((n: string[]) => n.includes('staging-two')), 'a wrong confirmation deletes nothing');
    for (const env of ['staging-two', 'preview-a']) {
      const res = await panel.postForm(`/projects/${projectId}/environments/${env}/delete`, {
        _csrf: csrf,
        confirm: env,
      });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/projects/${projectId}`);
    }
    assert.deepEqual(await names(), ['production', 'staging']);

    const saved = await panel.postForm(`/projects/${projectId}/shared-variables`, {
      _csrf: csrf,
      key: 'FROM_PANEL',
      value: 'panel-value',
      secret: 'on',
      env: 'staging',
    });
    assert.equal(saved.statusCode, 303);
    const withShared = await panel.get(`/projects/${projectId}?env=staging`);
    assert.match(withShared.body, /<code>FROM_PANEL<\/code> <span class="badge">secret<\/span>/);
    assert.doesNotMatch(withShared.body, /panel-value|sk_live_secret/, 'values are never on the page');
  });
});
