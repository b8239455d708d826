/**
 * The deploy walkthrough as a user does it, in Chromium: create a project and a git service in the panel,
 * deploy, watch the live log, open the app, change a variable, redeploy, roll back.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, logIn, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';

const ARTIFACTS = 'test-artifacts';

describe('deploying from the panel in a real browser', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let appUrl: string;

  /** Presses Deploy now on the service page and waits until the deployment page shows a final status. */
  const deployFromServicePage = async (serviceUrl: string): Promise<string> => {
    await page.goto(serviceUrl);
    await page.locator('#deployments').getByRole('button', { name: 'Deploy now' }).click();
    await page.waitForURL(/\/deployments\/dep_/);
    await page
      .locator('#deployment-status')
      .filter({ hasText: /^(active|failed)$/ })
      .waitFor({ timeout: 180_000 });
    return (await page.locator('#deployment-status').innerText()).trim();
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    git = await startGitServer();
    repo = await git.createRepo('panel-app', { ...fixtureFiles('node-app'), VERSION: 'first\n' });
    h = await startHarness();
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
    await h?.close();
    await git?.close();
  });

  it('creates a project and a git service from the panel', async () => {
    await page.getByLabel('Project name').fill('demo');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/prj_/);
    const projectId = /\/projects\/(prj_[0-9a-z]+)/.exec(page.url())![1]!;
    h.projectIds.push(projectId);
    await page.locator('#new-picker > summary').click();
    await page.locator('#new-git > summary').click();
    const form = page.locator('#new-git');
    await form.getByLabel('Name', { exact: true }).fill('web');
    await form.getByLabel('Repository URL').fill(repo.url);
    await form.getByLabel('Branch').fill('main');
    await form.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL(/\/services\/svc_/);
    await page.locator('#deployments').getByRole('button', { name: 'Deploy now' }).waitFor();
  });

  it('deploys with a live log and the app answers on its URL', async () => {
    const serviceUrl = page.url();
    const status = await deployFromServicePage(serviceUrl);
    const log = await page.locator('#deployment-log').innerText();
    assert.equal(status, 'active', log.slice(-2000));
    assert.match(log, /Using the node buildpack/);
    assert.match(log, /\n\d\d:\d\d:\d\d --- building\n/, 'one log line per row');
    assert.match(log, /Live at http:\/\/web-demo\.localhost:\d+/);
    await page.screenshot({ path: `${ARTIFACTS}/deployment.png`, fullPage: true });
    appUrl = (await page.locator('dd a[href^="http://web-demo.localhost"]').first().getAttribute('href')) as string;
    const app = await context.newPage();
    await app.goto(appUrl);
    assert.equal((await app.locator('body').innerText()).trim(), 'first');
    await app.close();
    await page.goto(serviceUrl);
  });

  it('changes a variable and redeploys; the app sees it', async () => {
    const serviceUrl = page.url();
    await page.locator('#tab-variables').click();
    await page.waitForURL(/\/variables$/);
    const variables = page.locator('form[action$="/variables"]');
    await variables.getByLabel('Key').fill('GREETING');
    await variables.getByLabel('Value').fill('hello from the panel');
    await variables.getByRole('button', { name: 'Save variable' }).click();
    await page.getByText('GREETING').first().waitFor();
    await repo.commit({ VERSION: 'second\n' }, 'second release');
    const status = await deployFromServicePage(serviceUrl);
    assert.equal(status, 'active', (await page.locator('main').innerText()).slice(-3000));
    const app = await context.newPage();
    await app.goto(`${appUrl}/env/GREETING`);
    assert.equal((await app.locator('body').innerText()).trim(), 'hello from the panel');
    await app.goto(appUrl);
    assert.equal((await app.locator('body').innerText()).trim(), 'second');
    await app.close();
    await page.goto(serviceUrl);
  });

  it('rolls back from the deployments list, with the variables that deployment ran with', async () => {
    await page.locator('#deploy-plan', { hasText: 'Deploy now builds the tip of main' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/deployments.png`, fullPage: true });
    const replaced = page.locator('#deployments tr', { hasText: 'replaced' }).first();
    page.once('dialog', (dialog) => void dialog.accept());
    await replaced.getByRole('button', { name: 'Roll back' }).click();
    await page.waitForURL(/\/deployments\/dep_/);
    await page
      .locator('#deployment-status')
      .filter({ hasText: /^(active|failed)$/ })
      .waitFor({ timeout: 120_000 });
    assert.equal((await page.locator('#deployment-status').innerText()).trim(), 'active');
    const app = await context.newPage();
    await app.goto(appUrl);
    assert.equal((await app.locator('body').innerText()).trim(), 'first');
    await app.goto(`${appUrl}/env/GREETING`);
    assert.equal((await app.locator('body').innerText()).trim(), 'unset', 'the first deployment ran without GREETING');
    await app.close();
  });

  it('showed no console errors or CSP violations along the way', () => {
    assert.deepEqual(problems.list, []);
  });
});
