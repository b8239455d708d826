/**
 * Sign-in features in a real browser against a real daemon: an admin sets up single sign-on with a real
 * OpenID provider (oidc-provider on loopback), a colleague signs in through it in Chromium, and the admin
 * turns on two-factor from the account page (the QR code renders under the panel's CSP).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { codeAt } from '../helpers/two-factor.js';

const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';

describe('single sign-on and two-factor in a real browser', () => {
  let daemon: DaemonProcess;
  let idp: TestProvider;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  before(async () => {
    browser = await launchBrowser();
    daemon = await startDaemonProcess({ env: { BERTH_ALLOW_PRIVATE_SOURCES: 'true' } });
    assert.ok(daemon.setupUrl, daemon.output());
    idp = await startTestProvider(`${daemon.baseUrl}/login/sso/callback`);
    idp.identities.set('alice@example.com', { email: 'alice@example.com', emailVerified: true, groups: ['ops'] });
    admin = await newContext(browser, daemon.baseUrl);
    page = await admin.newPage();
    problems = watchPage(page);
    await page.goto(daemon.setupUrl);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL(`${daemon.baseUrl}/`);
  });

  after(async () => {
    await admin?.close();
    await browser?.close();
    await idp?.close();
    await daemon?.stop();
  });

  it('an admin sets up single sign-on on the Server page', async () => {
    await page.goto('/server');
    const form = page.locator('#sso-settings');
    await form.getByLabel('Issuer URL').fill(idp.issuer);
    await form.getByLabel('Client id').fill(idp.clientId);
    await form.getByLabel('Client secret').fill(idp.clientSecret);
    await form.getByLabel('Allowed email domains').fill('example.com');
    await form.getByLabel(/Group → role/).fill('ops = admin');
    await form.getByRole('button', { name: 'Save single sign-on' }).click();
    await page.getByText('Single sign-on settings saved.').waitFor();
    assert.deepEqual(problems.list, []);
  });

  it('a colleague signs in through the provider and lands on the dashboard with the mapped role', async () => {
    const context = await newContext(browser, daemon.baseUrl);
    try {
      const colleague = await context.newPage();
      const seen = watchPage(colleague);
      // The test provider's own page has no icon; that is not Berth's to serve.
      seen.allowHttpError(`${idp.issuer}/favicon.ico`);
      await colleague.goto('/login');
      await colleague.getByRole('link', { name: 'Log in with single sign-on' }).click();
      await colleague.waitForURL((u) => u.origin === idp.issuer);
      await colleague.getByLabel('Email').fill('alice@example.com');
      await colleague.getByRole('button', { name: 'Sign in' }).click();
      await colleague.waitForURL(`${daemon.baseUrl}/`);
      await colleague
        .getByRole('heading', { name: /Dashboard|Create your first project/ })
        .first()
        .waitFor();
      assert.match(await colleague.locator('.user-email').innerText(), /alice@example\.com/);
      // The mapped role (admin) opens the server-only sign-in settings.
      const settings = await colleague.goto('/server/sign-in');
      assert.equal(settings?.status(), 200);
      assert.deepEqual(seen.list, []);
    } finally {
      await context.close();
    }
  });

  it('the admin turns on two-factor: the QR code shows, a code from the secret confirms it', async () => {
    await page.goto('/account');
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const qr = page.locator('#two-factor-qr svg');
    await qr.waitFor();
    const box = await qr.boundingBox();
    assert.ok(box && box.width >= 150, 'the QR code is drawn at a scannable size');
    const secret = (await page.locator('#two-factor-secret').innerText()).trim();
    await page.getByLabel('Code').fill(codeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await page.locator('#recovery-codes').waitFor();
    assert.equal(await page.locator('.recovery-code').count(), 10);
    await page.screenshot({ path: 'test-artifacts/account-two-factor.png', fullPage: true }).catch(() => {});
    assert.deepEqual(problems.list, []);
  });
});
