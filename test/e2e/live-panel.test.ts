/**
 * The live, task-organised panel in Chromium: the project canvas (tiles with status words, the line from
 * an app to the database it refers to), a deploy's phase moving on the open project and deployment pages
 * without a reload, the service tabs by URL and keyboard, the changes-pending bar, and a bad variable
 * reference answered beside the form with what was typed kept.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { launchBrowser, logIn, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';

const ARTIFACTS = 'test-artifacts';

describe('the live panel in a real browser', () => {
  let h: Harness;
  let git: GitServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let projectId: string;
  let serviceId: string;
  let databaseId: string;
  const runtime = new DockerRuntime(testDockerEndpoint());

  /** Marks the open document: the mark is gone after any reload or full navigation. */
  const markPage = () => page.evaluate("document.body.setAttribute('data-test-mark', 'kept')");
  const isMarkKept = async () => (await page.locator('body').getAttribute('data-test-mark')) === 'kept';
  const tileStatus = (name: string) => page.locator(`[data-tile="${name}"] .tile-status`);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    git = await startGitServer();
    const repo = await git.createRepo('live-app', { ...fixtureFiles('node-app'), VERSION: 'first\n' });
    h = await startHarness({ BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15' });
    projectId = (await h.api<{ id: string }>('POST', '/projects', { name: 'live' })).body.id;
    const service = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
    });
    serviceId = service.body.id;
    const database = await h.api<{ id: string }>('POST', `/projects/${projectId}/databases`, {
      name: 'db',
      engine: 'postgres',
    });
    assert.equal(database.status, 201, JSON.stringify(database.body));
    databaseId = database.body.id;
    const variables = await h.api('PUT', `/services/${serviceId}/variables`, { DATABASE_URL: '${{db.DATABASE_URL}}' });
    assert.equal(variables.status, 200, JSON.stringify(variables.body));
    browser = await launchBrowser();
    context = await newContext(browser, h.panelUrl);
    page = await context.newPage();
    problems = watchPage(page);
    await logIn(page, h.admin);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await h?.close();
    await git?.close();
    if (databaseId) await runtime.removeVolume(`berth-${databaseId}-data`).catch(() => {});
  });

  it('shows the project as a canvas: tiles with status words and the line from the app to its database', async () => {
    await page.goto(`/projects/${projectId}`);
    await markPage();
    assert.equal((await tileStatus('web').innerText()).trim(), 'not deployed');
    // The database is still being created when the page opens; its tile moves on by itself.
    await tileStatus('db')
      .filter({ hasText: /^active$/ })
      .waitFor({ timeout: 120_000 });
    assert.ok(await isMarkKept(), 'the database tile changed without a reload');
    const line = page.locator(`line[data-from="tile-${serviceId}"][data-to="tile-${databaseId}"]`);
    assert.equal(await line.count(), 1);
    const box = await line.evaluate((l) => ({
      x1: Number(l.getAttribute('x1')),
      x2: Number(l.getAttribute('x2')),
      visibility: l.getAttribute('visibility'),
    }));
    assert.equal(box.visibility, 'visible');
    assert.ok(
      box.x2 - box.x1 > 20,
      `the line runs from the app tile across to the database tile: ${JSON.stringify(box)}`,
    );
    assert.match(await page.locator('#connections').innerText(), /web → db/);
    assert.match(await page.locator(`[data-tile="web"]`).innerText(), /http:\/\/web-live\.localhost/);
  });

  it('opens one "+ New" picker from the keyboard', async () => {
    assert.equal(await page.locator('#new-git input[name="gitUrl"]').isVisible(), false, 'no form is open at first');
    await page.locator('#new-picker > summary').focus();
    await page.keyboard.press('Enter');
    await page.locator('#new-git > summary').focus();
    await page.keyboard.press('Enter');
    await page.locator('#new-git input[name="gitUrl"]').waitFor();
    await page.locator('#new-database > summary').focus();
    await page.keyboard.press('Enter');
    await page.locator('#new-database select[name="engine"]').waitFor();
    assert.equal(await page.locator('#new-git input[name="gitUrl"]').isVisible(), false, 'one choice at a time');
  });

  it("moves a deploy's phase on the open project page without a reload", async () => {
    await page.goto(`/projects/${projectId}`);
    await markPage();
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    await tileStatus('web')
      .filter({ hasText: /^(building|deploying)$/ })
      .waitFor({ timeout: 60_000 });
    await page.locator(`[data-tile="web"] [data-elapsed-since]`).filter({ hasText: /\d+ s/ }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/live-canvas-building.png`, fullPage: true });
    const done = await h.waitForDeployment(created.body.id);
    assert.equal(done.status, 'active', String(done.error));
    await tileStatus('web')
      .filter({ hasText: /^active$/ })
      .waitFor({ timeout: 15_000 });
    assert.ok(await isMarkKept(), 'the tile moved to active without a reload');
    assert.match(await page.locator('[data-tile="web"]').innerText(), /Last deploy [0-9a-f]{7} active by /);
    await page.screenshot({ path: `${ARTIFACTS}/live-canvas.png`, fullPage: true });
  });

  it('follows the deployment page to its end and ends with Open app, Redeploy and Roll back', async () => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    await page.goto(`/deployments/${created.body.id}`);
    await markPage();
    await page
      .locator('#deployment-status')
      .filter({ hasText: /^(active|failed)$/ })
      .waitFor({ timeout: 180_000 });
    assert.equal((await page.locator('#deployment-status').innerText()).trim(), 'active');
    assert.ok(await isMarkKept(), 'the phase changed on the open page, no reload');
    await page.locator('#deployment-log[data-ended="true"]').waitFor({ timeout: 30_000 });
    assert.match(await page.locator('#deployment-log').innerText(), /--- building\n[\s\S]*Live at /);
    const actions = page.locator('#deployment-actions');
    await actions.getByRole('link', { name: 'Open app' }).waitFor();
    await actions.getByRole('button', { name: 'Redeploy' }).waitFor();
    await actions.getByRole('button', { name: /^Roll back to / }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/live-deployment.png`, fullPage: true });
  });

  it('navigates the service tabs by URL and by keyboard', async () => {
    await page.goto(`/services/${serviceId}`);
    assert.equal(await page.locator('#tab-deployments').getAttribute('aria-current'), 'page');
    await page.locator('#tab-deployments').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'tab-variables');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/services/${serviceId}/variables$`));
    await page.locator('#variables').waitFor();
    assert.equal(await page.locator('#tab-variables').getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('#deployments').count(), 0, 'one tab at a time');
    await page.goto(`/services/${serviceId}/settings`);
    assert.equal(await page.locator('#tab-settings').getAttribute('aria-current'), 'page');
    await page.locator('#settings').waitFor();
    await page.goBack();
    await page.waitForURL(new RegExp(`/services/${serviceId}/variables$`));
    await page.locator('#variables').waitFor();
  });

  it('keeps a bad variable reference as typed, with the error beside the form', async () => {
    await page.goto(`/services/${serviceId}/variables`);
    problems.allowHttpError(`${h.panelUrl}/services/${serviceId}/variables`);
    const form = page.locator('form[action$="/variables"]');
    await form.getByLabel('Key').fill('BROKEN');
    await form.getByLabel('Value').fill('${{nope.URL}}');
    await form.getByRole('button', { name: 'Save variable' }).click();
    await page
      .locator('#variable-error')
      .filter({ hasText: /BROKEN refers to \$\{\{nope\.URL\}\}/ })
      .waitFor();
    assert.equal(await page.locator('form[action$="/variables"]').getByLabel('Value').inputValue(), '${{nope.URL}}');
    assert.equal(await page.locator('form[action$="/variables"]').getByLabel('Key').inputValue(), 'BROKEN');
  });

  it('shows "changes pending" after a variable change, gone after Deploy', async () => {
    await page.goto(`/services/${serviceId}/variables`);
    await markPage();
    assert.equal(await page.locator('#pending-bar', { hasText: 'Changes pending' }).count(), 0);
    const form = page.locator('form[action$="/variables"]');
    await form.getByLabel('Key').fill('GREETING');
    await form.getByLabel('Value').fill('hello');
    await form.getByRole('button', { name: 'Save variable' }).click();
    await page.locator('#variable-notice').filter({ hasText: 'Variable GREETING saved' }).waitFor();
    await page
      .locator('#pending-bar')
      .filter({ hasText: /Changes pending:[\s\S]*variables \(GREETING\)/ })
      .waitFor();
    assert.ok(await isMarkKept(), 'the answer came in place');
    await page.screenshot({ path: `${ARTIFACTS}/live-pending.png`, fullPage: true });
    await page.locator('#pending-deploy').click();
    await page.waitForURL(/\/deployments\/dep_/);
    await page
      .locator('#deployment-status')
      .filter({ hasText: /^(active|failed)$/ })
      .waitFor({ timeout: 180_000 });
    assert.equal((await page.locator('#deployment-status').innerText()).trim(), 'active');
    await page.goto(`/services/${serviceId}/variables`);
    await page.locator('#variables').waitFor();
    assert.equal(await page.locator('#pending-bar', { hasText: 'Changes pending' }).count(), 0);
  });

  it('showed no console errors or CSP violations along the way', () => {
    assert.deepEqual(problems.list, []);
  });
});
