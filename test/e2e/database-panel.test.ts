/**
 * The databases walkthrough in Chromium: add Postgres to a project in the panel, connect it to an app,
 * see the app reach it, take a backup that shows "verified", and restore it; the status badge and the
 * backup list change on the open page as the live stream tells them. Real containers (the
 * berth-test/postgres:15 stand-in image built by scripts/test-env.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { launchBrowser, logIn, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { waitForDeployment } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

describe('a managed database from the panel in a real browser', () => {
  let h: Harness;
  let git: GitServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let projectId: string;
  let databaseUrl: string;
  const runtime = new DockerRuntime(testDockerEndpoint());

  /** Marks the open document: the mark is gone after any reload or full navigation. */
  const markPage = () => page.evaluate("document.body.setAttribute('data-test-mark', 'kept')");
  const isMarkKept = async () => (await page.locator('body').getAttribute('data-test-mark')) === 'kept';

  before(async () => {
    git = await startGitServer();
    h = await startHarness({ BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15' });
    browser = await launchBrowser();
    context = await newContext(browser, h.panelUrl);
    page = await context.newPage();
    problems = watchPage(page);
    await logIn(page, h.admin);
    await page.getByRole('heading', { name: 'Create your first project' }).waitFor();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    const ids = databaseUrl ? [/\/databases\/(svc_[0-9a-z]+)/.exec(databaseUrl)![1]!] : [];
    await h?.close();
    await git?.close();
    for (const id of ids) await runtime.removeVolume(`berth-${id}-data`).catch(() => {});
  });

  it('adds Postgres to a project and shows it healthy', async () => {
    await page.getByLabel('Project name').fill('panel-db');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/prj_/);
    projectId = /\/projects\/(prj_[0-9a-z]+)/.exec(page.url())![1]!;
    h.projectIds.push(projectId);
    // "+ New" opens the picker; "Database" is one of its choices.
    await page.locator('#new-picker > summary').click();
    await page.locator('#new-database > summary').click();
    const form = page.locator('#new-database');
    await form.getByLabel('Name', { exact: true }).fill('db');
    await form.getByLabel('Engine').selectOption('postgres');
    await form.getByRole('button', { name: 'Create database' }).click();
    await page.waitForURL(/\/databases\/svc_/);
    databaseUrl = page.url();
    await markPage();
    await page.locator('.page-head .status').filter({ hasText: 'running · healthy' }).waitFor({ timeout: 120_000 });
    // The badge turned healthy on the open page, told by the live stream (the page no longer polls).
    assert.ok(await isMarkKept(), 'no reload');
    assert.equal(await page.locator('body').getAttribute('data-live-open'), 'true');
    assert.equal(await page.locator('[hx-trigger*="every"]').count(), 0, 'nothing on the page polls');
    await page.getByRole('button', { name: 'Back up now' }).and(page.locator(':enabled')).waitFor();
    // Connection details only on request.
    assert.equal(await page.locator('#db-credentials').count(), 0);
    await page.getByRole('button', { name: 'Reveal connection details' }).click();
    await page.locator('#db-credentials').waitFor();
    assert.match(await page.locator('#db-credentials').innerText(), /postgresql:\/\/app:[A-Za-z0-9_-]+@db:5432\/app/);
  });

  it('connects it to an app, which reaches it with the resolved DATABASE_URL', async () => {
    const repo = await git.createRepo('panel-db-app', fixtureFiles('db-probe'));
    const service = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
      port: 3000,
      healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
      build: { buildArgs: { BASE_IMAGE: 'berth-test/node:20-slim' } },
    });
    await page.goto(databaseUrl);
    await page.locator('#db-connect').getByRole('button', { name: 'Connect' }).click();
    await page.locator('.flash-success').filter({ hasText: 'DATABASE_URL=${{db.DATABASE_URL}}' }).waitFor();
    const created = await h.api<{ id: string }>('POST', `/services/${service.body.id}/deployments`);
    const deployment = await waitForDeployment(h.api, created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    const probe = JSON.parse((await get(h.proxyPort, 'web-panel-db.localhost', '/probe?var=DATABASE_URL')).body);
    assert.equal(probe.host, 'db');
    assert.equal(probe.greeting, 'N', 'the app reached postgres on the project network');
  });

  it('takes a backup that shows "verified" and restores it', async () => {
    await page.goto(databaseUrl);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.locator('.flash-success').filter({ hasText: 'Backup started' }).waitFor();
    await markPage();
    const row = page.locator('#backup-list tbody tr').first();
    await row
      .locator('.status')
      .filter({ hasText: /^(verified|failed)$/ })
      .waitFor({ timeout: 120_000 });
    assert.equal((await row.locator('.status').innerText()).trim(), 'verified', await row.innerText());
    assert.ok(await isMarkKept(), 'the backup became verified on the open page, without a reload');
    assert.equal(await page.locator('body').getAttribute('data-live-last'), 'backup:verified');
    await row.getByPlaceholder('type db').fill('db');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Restore' }).click();
    await page
      .locator('.flash-success')
      .filter({ hasText: /Backup restored in/ })
      .waitFor({ timeout: 120_000 });
    assert.deepEqual(problems.list, []);
  });
});
