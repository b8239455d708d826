/**
 * The service page in tabs: each tab its own URL, forms answered in place (their message beside them, a
 * bad variable reference kept as typed) and the changes-pending bar against what the active deployment runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { settingsSnapshot } from '../../src/deploys/pending-changes.js';
import { getAppService } from '../../src/projects/services.service.js';
import { resolveVariables } from '../../src/projects/variables.service.js';
import { seedAdmin, signedInClient } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';

const hx = { 'hx-request': 'true' };

describe('service page tabs', () => {
  let t: TestApp;
  let client: InjectClient;
  let serviceUrl: string;
  let serviceId: string;
  let csrf: string;

  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
    client = await signedInClient(t.app);
    const list = await client.get('/projects');
    const projectUrl = String(
      (await client.postForm('/projects', { _csrf: csrfTokenOf(list.body), name: 'tabs' })).headers.location,
    );
    const page = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(page.body),
      name: 'web',
      sourceType: 'image',
      image: 'nginx:1.27',
    });
    serviceUrl = String(created.headers.location);
    serviceId = serviceUrl.split('/').pop()!;
    csrf = csrfTokenOf((await client.get(`${serviceUrl}/settings`)).body);
  });
  after(() => t.close());

  it('gives each tab its own URL and marks the open one', async () => {
    for (const [url, tab] of [
      [`${serviceUrl}/deployments`, 'deployments'],
      [`${serviceUrl}/variables`, 'variables'],
      [`${serviceUrl}/settings`, 'settings'],
      [`${serviceUrl}/domains`, 'domains'],
      [`${serviceUrl}/git`, 'git'],
      [`${serviceUrl}/metrics`, 'metrics'],
      [`${serviceUrl}/cron`, 'cron'],
      [`${serviceUrl}/volumes`, 'volumes'],
      [`${serviceUrl}/logs`, 'logs'],
      [`${serviceUrl}/terminal`, 'terminal'],
      [serviceUrl, 'deployments'],
    ] as const) {
      const page = await client.get(url);
      assert.equal(page.statusCode, 200, url);
      const current = [...page.body.matchAll(/id="tab-([a-z]+)"[^>]*aria-current="page"/g)].map((m) => m[1]);
      assert.deepEqual(current, [tab], url);
      // Every tab, the Logs page's too, is a path: no ?tab= address is left in the bar.
      const bar = /<nav class="tabs"[\s\S]*?<\/nav>/.exec(page.body)?.[0] ?? '';
      const hrefs = [...bar.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(
        hrefs,
        [
          'deployments',
          'variables',
          'logs',
          'terminal',
          'settings',
          'domains',
          'git',
          'metrics',
          'cron',
          'volumes',
        ].map((t) => `${serviceUrl}/${t}`),
        url,
      );
      assert.match(page.body, new RegExp(`role="region" aria-labelledby="tab-${tab}"`), url);
    }
    // What each tab shows, in place (no card left to load for Domains and Git).
    assert.match((await client.get(`${serviceUrl}/domains`)).body, /id="add-domain-form"/);
    assert.match((await client.get(`${serviceUrl}/git`)).body, /id="git-http-remote"/);
    // Volumes: the empty state, the stop-then-start trade-off and the add form.
    const volumes = (await client.get(`${serviceUrl}/volumes`)).body;
    assert.match(volumes, /id="volumes-empty"/);
    assert.match(volumes, /id="volumes-trade-off"[\s\S]*stops the old containers before the new ones start/);
    assert.match(volumes, /id="volume-form"/);
    // The tab bar swaps the main area: the tab's page body without the layout.
    const swapped = await client.get(`${serviceUrl}/git`, { ...hx, 'hx-target': 'main' });
    assert.doesNotMatch(swapped.body, /<html/);
    assert.match(swapped.body, /id="tab-git"[^>]*aria-current="page"/);
    // A card loading itself still gets the card alone.
    const card = await client.get(`${serviceUrl}/git`, { ...hx, 'hx-target': 'service-git' });
    assert.doesNotMatch(card.body, /id="service-tabs"/);
    assert.match(card.body, /<section id="service-git"/);
  });

  it('moves the old ?tab= addresses to the tab paths for good', async () => {
    for (const tab of ['deployments', 'variables', 'logs', 'settings', 'domains', 'git', 'metrics']) {
      const moved = await client.get(`${serviceUrl}?tab=${tab}`);
      assert.equal(moved.statusCode, 301, tab);
      assert.equal(moved.headers.location, `${serviceUrl}/${tab}`);
    }
    assert.equal((await client.get(`${serviceUrl}?tab=nope`)).statusCode, 400);
  });

  it('shows one tab at a time', async () => {
    const partial = await client.get(`${serviceUrl}/variables`, hx);
    assert.doesNotMatch(partial.body, /<html/);
    assert.match(partial.body, /id="variables"/);
    assert.doesNotMatch(partial.body, /id="settings"/, 'one tab at a time, not one long page');
  });

  it('keeps a bad variable reference as typed, with the error beside the form', async () => {
    const value = 'postgres://${{nodb.DATABASE_URL}}/x';
    const bad = await client.postForm(`${serviceUrl}/variables`, { _csrf: csrf, key: 'DATABASE_URL', value }, hx);
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /<section class="card" id="variables">/);
    assert.doesNotMatch(bad.body, /<html/, 'only the variables section comes back');
    assert.match(bad.body, /id="variable-error"[^>]*>DATABASE_URL refers to \$\{\{nodb\.DATABASE_URL\}\}/);
    assert.match(bad.body, /name="key"[^>]*value="DATABASE_URL"/);
    assert.ok(bad.body.includes('postgres://${{nodb.DATABASE_URL}}/x</textarea>'), 'the value typed stays');
    const stored = await t.db.selectFrom('variables').select('key').where('service_id', '=', serviceId).execute();
    assert.deepEqual(stored, []);
  });

  it('shows changes pending when variables or settings differ from what runs, and where', async () => {
    const pending = async () => (await client.get(`${serviceUrl}/pending`, hx)).body;
    assert.doesNotMatch(await pending(), /Changes pending/, 'nothing runs yet: nothing is pending');

    // What a finished deploy records: the variables it ran with (sealed) and its settings.
    const saved = await client.postForm(`${serviceUrl}/variables`, { _csrf: csrf, key: 'GREETING', value: 'hi' }, hx);
    assert.equal(saved.statusCode, 200);
    assert.equal(saved.headers['hx-trigger'], 'pending-changed', 'the bar is told to look again');
    assert.match(saved.body, /id="variable-notice"[^>]*>Variable GREETING saved/);
    const service = await getAppService(t.db, serviceId);
    const env = await resolveVariables({ db: t.db, secretBox: t.deploys.deps.secretBox } as never, serviceId);
    await t.db
      .insertInto('deployments')
      .values({
        id: 'dep_tabsactive1',
        service_id: serviceId,
        status: 'active',
        trigger: 'manual',
        triggered_by: null,
        image: 'nginx:1.27',
        rollback_of: null,
        variables_encrypted: t.deploys.deps.secretBox.encrypt(JSON.stringify(env)),
        settings_json: JSON.stringify(settingsSnapshot(service)),
        created_at: new Date().toISOString(),
      })
      .execute();
    assert.doesNotMatch(await pending(), /Changes pending/, 'what is stored is what runs');

    await client.postForm(`${serviceUrl}/variables`, { _csrf: csrf, key: 'GREETING', value: 'hello' }, hx);
    assert.match(await pending(), /Changes pending:[\s\S]*variables \(GREETING\)/);
    const settings = await client.postForm(
      `${serviceUrl}/settings`,
      {
        _csrf: csrf,
        sourceType: 'image',
        image: 'nginx:1.27',
        port: '8080',
        replicas: '1',
        healthcheckType: 'http',
        healthcheckPath: '/',
        healthcheckStatus: '200',
        healthcheckTimeout: '60',
      },
      hx,
    );
    assert.equal(settings.statusCode, 200, settings.body);
    assert.match(settings.body, /id="settings-notice"[^>]*>Settings saved/);
    assert.match(await pending(), /settings \(port\) and variables \(GREETING\)/);
    assert.match(await pending(), /id="pending-deploy"/);
  });
});
