/**
 * The panel in a real browser, as its first user meets it: claim the install, log out and in, create
 * and revoke an API token, look at the server page. One `berth serve` and one chromium for the file;
 * the steps share one browser context because they are one user's journey.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';

const ARTIFACTS = 'test-artifacts';
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';

describe('panel in a real browser', () => {
  let daemon: DaemonProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let setupUrl: string;

  before(async () => {
    // The panel serves htmx from public/vendor (filled by npm's postinstall).
    if (!existsSync('public/vendor/htmx.min.js')) {
      spawnSync(process.execPath, ['scripts/copy-assets.mjs'], { stdio: 'inherit' });
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
    daemon = await startDaemonProcess();
    assert.ok(daemon.setupUrl, `berth serve printed no setup URL:\n${daemon.output()}`);
    setupUrl = daemon.setupUrl;
    context = await newContext(browser, daemon.baseUrl);
    page = await context.newPage();
    problems = watchPage(page);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await daemon?.stop();
  });

  const url = (path: string) => `${daemon.baseUrl}${path}`;

  async function apiMe(token: string): Promise<Response> {
    return fetch(url('/api/v1/me'), { headers: { authorization: `Bearer ${token}` } });
  }

  it('explains where the setup link is when /setup is opened without its token', async () => {
    problems.allowHttpError(url('/setup'));
    const response = await page.goto('/setup');
    assert.equal(response?.status(), 403);
    await page.getByRole('heading', { name: 'Claim this Berth' }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Open the setup link printed in the Berth log/);
    assert.match(await page.locator('main').innerText(), /setup link is printed in the Berth log/);
    assert.equal(await page.locator('main form').count(), 0, 'no claim form without a valid token');
  });

  it('claims the install from the setup link and lands on the dashboard', async () => {
    await page.goto(setupUrl);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL(url('/'));

    assert.match(await page.getByRole('status').innerText(), new RegExp(`^Welcome to Berth, ${EMAIL}`));
    await page.getByRole('heading', { name: 'Create your first project' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
  });

  it('makes the setup page disappear once the install is claimed', async () => {
    problems.allowHttpError(setupUrl);
    const response = await page.goto(setupUrl);
    assert.equal(response?.status(), 404);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    assert.equal(await page.getByLabel('Password').count(), 0);
  });

  it('logs out, refuses a wrong password and logs back in', async () => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(url('/login'));
    await page.getByRole('heading', { name: 'Log in to Berth' }).waitFor();

    problems.allowHttpError(url('/login'));
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();

    // The email is kept; only the password is typed again.
    assert.equal(await page.getByLabel('Email').inputValue(), EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(url('/'));
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  });

  it('creates an API token shown once, which works until it is revoked', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL(url('/tokens'));
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();

    // The form posts through htmx and swaps #main in place.
    await page.getByLabel('Name').fill('e2e');
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url() === url('/tokens') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create token' }).click(),
    ]);
    assert.equal(created.request().headers()['hx-request'], 'true', 'the token form should be submitted by htmx');
    const token = (await page.locator('#new-token-value').innerText()).trim();
    assert.match(token, /^berth_/);
    assert.equal(page.url(), url('/tokens'));
    await page.screenshot({ path: `${ARTIFACTS}/tokens.png`, fullPage: true });

    const me = await apiMe(token);
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { user: { email: string } }).user.email, EMAIL);

    // A second token with the same name is refused (409), and htmx shows why in place of the old secret.
    problems.allowHttpError(url('/tokens'));
    await page.getByLabel('Name').fill('e2e');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('alert').filter({ hasText: 'already have an active token named "e2e"' }).waitFor();
    assert.equal(await page.locator('#new-token-value').count(), 0, 'the refused form replaces the shown secret');

    await page.reload();
    assert.equal(await page.locator('#new-token-value').count(), 0);
    assert.ok(!(await page.content()).includes(token), 'the secret must not be shown a second time');

    const row = page.locator('tbody tr', { hasText: 'e2e' });
    page.once('dialog', async (dialog) => {
      assert.equal(dialog.type(), 'confirm');
      assert.match(dialog.message(), /^Revoke token "e2e"\?/);
      await dialog.accept();
    });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.filter({ hasText: 'revoked' }).waitFor();
    assert.match(await page.getByRole('status').first().innerText(), /Token "e2e" revoked/);
    assert.equal(await row.getByRole('button', { name: 'Revoke' }).count(), 0);

    assert.equal((await apiMe(token)).status, 401);
  });

  it('shows the connected Docker engine on the server page', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Server' }).click();
    await page.waitForURL(url('/server'));
    const engine = page.locator('#engine-status');
    await engine.getByRole('heading', { name: /Docker engine/ }).waitFor();
    assert.match(await engine.innerText(), /connected/);
    const version = await engine.locator('dt:text-is("Version") + dd').innerText();
    assert.match(version, /^\d+\.\d+\.\d+\S* \(API \d+\.\d+\)$/);
    assert.equal(await page.locator('#docker-banner').count(), 0);
  });

  it('keeps a strict CSP that htmx works under, with no console errors all along', async () => {
    const response = await page.goto('/');
    const csp = response?.headers()['content-security-policy'] ?? '';
    const scriptSrc =
      csp
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith('script-src ')) ?? '';
    assert.equal(scriptSrc, "script-src 'self'", `CSP was: ${csp}`);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `CSP was: ${csp}`);
    assert.equal(await page.evaluate('typeof window.htmx'), 'object');

    assert.deepEqual(problems.list, [], 'the browser reported errors (CSP violations show up here)');
  });
});
