/**
 * The panel renders only what the caller's role may do (`it.can(permission)` in the views, from the route
 * guard's own table): each page is opened as the owner, a server admin, the project's admin, a developer, a
 * viewer and an outsider, and the controls for deploy, variables, settings, domains, deletes, members and
 * new projects are checked present or absent; the command palette offers only pages the person may open.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import type { InjectClient } from '../helpers/inject-client.js';
import { PEOPLE, seedTeam, signIn, type Person, type Team } from '../helpers/team-fixture.js';

type Who = Exclude<Person, 'outsider'>;
const ON_ALPHA: Who[] = ['owner', 'admin', 'projectAdmin', 'developer', 'viewer'];
/** Who may do each, by the table: developers and up deploy; project admins and up delete; server admins manage. */
const DEPLOYERS = new Set<Who>(['owner', 'admin', 'projectAdmin', 'developer']);
const PROJECT_ADMINS = new Set<Who>(['owner', 'admin', 'projectAdmin']);
const SERVER_ADMINS = new Set<Person>(['owner', 'admin']);

describe('the panel shows each role only the controls it may use', () => {
  let t: TestApp;
  let team: Team;
  const as = {} as Record<Person, InjectClient>;

  before(async () => {
    t = await createTestApp({
      withHttps: true,
      env: {
        BERTH_ACME_DIRECTORY: 'http://127.0.0.1:9/directory',
        BERTH_PANEL_DOMAIN: 'panel.example.com',
        BERTH_APPS_DOMAIN: 'apps.example.com',
      },
    });
    team = await seedTeam(t);
    await t.ctx.variables.set(team.ids.service, [['GREETING', 'hello-from-alpha']]);
    for (const person of PEOPLE) as[person] = await signIn(t, team.users[person].email);
  });
  after(() => t.close());

  /** Opens `url` as each person on alpha (all may read it) and checks `control` is there exactly for `allowed`. */
  async function check(url: string, control: RegExp, allowed: Set<Who>, what: string) {
    const wrong: string[] = [];
    for (const person of ON_ALPHA) {
      const page = await as[person].get(url);
      assert.equal(page.statusCode, 200, `${person} opens ${url}: ${page.body.slice(0, 200)}`);
      const isShown = control.test(page.body);
      if (isShown !== allowed.has(person)) wrong.push(`${person}: ${what} ${isShown ? 'shown' : 'hidden'}`);
    }
    assert.deepEqual(wrong, [], url);
  }

  it('deployments: Deploy now for developers and up, not for a viewer', async () => {
    const svc = team.ids.service;
    await check(`/services/${svc}`, new RegExp(`action="/services/${svc}/deploy"`), DEPLOYERS, 'Deploy now');
    await check(`/services/${svc}`, /id="tab-deployments"/, new Set(ON_ALPHA), 'the Deployments tab');
    await check(`/deployments/${team.ids.deployment}`, /action="\/deployments\/[^"]+\/cancel"/, DEPLOYERS, 'Cancel');
  });

  it('variables: editing forms and per-variable actions for developers and up; a viewer sees names only', async () => {
    const url = `/services/${team.ids.service}/variables`;
    await check(url, new RegExp(`action="/services/${team.ids.service}/variables"`), DEPLOYERS, 'the add form');
    await check(url, /\/variables\/import"/, DEPLOYERS, 'the .env import');
    await check(url, /\/variables\/reveal"/, DEPLOYERS, 'Reveal');
    await check(url, /\/variables\/delete"/, DEPLOYERS, 'Delete variable');
    const viewer = await as.viewer.get(url);
    assert.match(viewer.body, /<code>GREETING<\/code>/, 'the viewer sees the name');
    assert.doesNotMatch(viewer.body, /hello-from-alpha/, 'never the value');
    assert.match(viewer.body, /id="variables-read-only"/);
  });

  it('settings and delete: the settings form for developers and up, Delete service for project admins and up', async () => {
    const url = `/services/${team.ids.service}/settings`;
    await check(url, /\/settings" class="settings/, DEPLOYERS, 'the settings form');
    await check(url, /id="delete-service"/, PROJECT_ADMINS, 'Delete service');
    assert.match((await as.viewer.get(url)).body, /id="settings-read-only"/);
  });

  it('domains: the add form for developers and up; the Git tab only for who may open it', async () => {
    await check(`/services/${team.ids.service}/domains`, /id="add-domain-form"/, DEPLOYERS, 'Add domain');
    await check(`/services/${team.ids.service}/logs`, /id="tab-git"/, DEPLOYERS, 'the Git & webhooks tab');
    const git = await as.viewer.get(`/services/${team.ids.service}/git`);
    assert.equal(git.statusCode, 403, 'the tab hidden from the viewer is one the guard refuses');
    await check(`/services/${team.ids.service}/logs`, /id="tab-terminal"/, DEPLOYERS, 'the Terminal tab');
    const terminal = await as.viewer.get(`/services/${team.ids.service}/terminal`);
    assert.equal(terminal.statusCode, 403, 'the Terminal tab hidden from the viewer is one the guard refuses');
  });

  it('project: + New and Delete project for project admins and up only', async () => {
    await check(`/projects/${team.alpha}`, /id="delete-project"/, PROJECT_ADMINS, 'Delete project');
    await check(
      `/projects/${team.alpha}`,
      new RegExp(`action="/projects/${team.alpha}/services"`),
      PROJECT_ADMINS,
      '+ New',
    );
  });

  it('database: Back up now for developers and up, Delete database for project admins and up', async () => {
    const url = `/databases/${team.ids.database}`;
    await check(url, /\/backups"><input type="hidden"/, DEPLOYERS, 'Back up now');
    await check(url, /id="db-delete"/, PROJECT_ADMINS, 'Delete database');
    await check(url, /\/credentials" hx-post/, DEPLOYERS, 'Reveal connection details');
  });

  it('navigation and dashboard: Members, Audit log, Server and New project for server admins only', async () => {
    for (const person of PEOPLE) {
      const page = await as[person].get('/');
      assert.equal(page.statusCode, 200);
      const isAdmin = SERVER_ADMINS.has(person);
      for (const link of ['/members', '/audit', '/server', '/notifications', '/system']) {
        assert.equal(new RegExp(`<a href="${link}"`).test(page.body), isAdmin, `${person}: ${link} link`);
      }
      assert.equal(/id="new-project"/.test(page.body), isAdmin, `${person}: New project`);
      assert.match(page.body, /<a href="\/account"/, 'everyone has their account');
    }
  });

  it('the command palette offers only pages the person may open', async () => {
    const urlsOf = async (person: Person) =>
      ((await as[person].get('/palette.json')).json() as { items: Array<{ url: string }> }).items.map((i) => i.url);
    const svc = `/services/${team.ids.service}`;
    const owner = await urlsOf('owner');
    const developer = await urlsOf('developer');
    const viewer = await urlsOf('viewer');
    const outsider = await urlsOf('outsider');
    assert.ok(owner.includes('/members') && owner.includes('/audit') && owner.includes(`${svc}/git`));
    for (const urls of [developer, viewer, outsider]) {
      for (const adminPage of ['/members', '/audit', '/server', '/system', '/notifications', '/server/sign-in'])
        assert.ok(!urls.includes(adminPage), adminPage);
      assert.ok(urls.includes('/account') && urls.includes('/tokens'));
    }
    assert.ok(developer.includes(`${svc}/git`), 'a developer may open the Git tab');
    assert.ok(viewer.includes(`${svc}/logs`) && !viewer.includes(`${svc}/git`), 'a viewer may not');
    assert.ok(!outsider.some((url) => url.includes(team.ids.service) || url.includes(team.alpha)), 'nothing of alpha');
    // Every page offered opens for that person (no offer the guard would refuse).
    for (const [person, urls] of [
      ['viewer', viewer],
      ['developer', developer],
      ['outsider', outsider],
    ] as const) {
      for (const url of urls.filter((u) => !u.startsWith('/api/'))) {
        const res = await as[person].get(url);
        assert.equal(res.statusCode, 200, `${person} ${url}: ${res.statusCode}`);
      }
    }
  });
});
