/**
 * Passkeys in a real browser against a real daemon: Chromium's own WebAuthn stack with a virtual
 * authenticator (DevTools protocol, WebAuthn.addVirtualAuthenticator: a platform authenticator with
 * resident keys and user verification). The admin adds a passkey on the account page, signs out, and signs
 * in with it alone, then with password and passkey. The daemon's public URL is http://localhost:<port>:
 * WebAuthn needs a secure context and refuses IP addresses as RP IDs. Every page involved is checked with
 * axe-core at 1366 and 390 px, without sideways scrolling or console errors (the CSP blocks inline script).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchBrowser, newContext, seriousAxeViolations, watchPage, type PageProblems } from '../helpers/browser.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';

const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';
const WIDTHS = [1366, 390] as const;

describe('passkeys in a real browser', () => {
  let daemon: DaemonProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let problems: PageProblems;

  /** Layout and accessibility of the current page at both widths. */
  async function checkPage(name: string): Promise<string[]> {
    const failures: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
      const [scrollWidth, innerWidth] = (await page.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as [number, number];
      if (scrollWidth > innerWidth) failures.push(`${name} at ${width}: scrolls sideways (${scrollWidth})`);
      for (const v of await seriousAxeViolations(page)) {
        failures.push(`${name} at ${width}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(' | ')}`);
      }
      await page.screenshot({ path: `test-artifacts/passkeys-${name}-${width}.png`, fullPage: true }).catch(() => {});
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    return failures;
  }

  async function logOut(): Promise<void> {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
  }

  before(async () => {
    browser = await launchBrowser();
    daemon = await startDaemonProcess({ publicHost: 'localhost' });
    assert.ok(daemon.setupUrl, daemon.output());
    context = await newContext(browser, daemon.baseUrl, { width: 1366, height: 900 });
    page = await context.newPage();
    problems = watchPage(page);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
    const setup = new URL(daemon.setupUrl);
    await page.goto(`${setup.pathname}${setup.search}`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.waitForURL(`${daemon.baseUrl}/`);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await daemon?.stop();
  });

  it('adds a named passkey from the account page', async () => {
    await page.goto('/account');
    const form = page.locator('#passkey-add');
    await form.waitFor({ state: 'visible' });
    assert.equal(await page.locator('[data-passkey-unsupported]').isVisible(), false);
    await form.getByLabel('Passkey name').fill('Test laptop');
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey “Test laptop” added.').waitFor();
    assert.equal(await page.locator('#passkey-list input[name="name"]').inputValue(), 'Test laptop');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.isResidentCredential, true);
    assert.equal(credentials[0]!.rpId, 'localhost');
    assert.deepEqual([...problems.list, ...(await checkPage('account'))], []);
  });

  it('signs out and signs in with the passkey alone', async () => {
    await logOut();
    await page.locator('#passkey-login').waitFor({ state: 'visible' });
    assert.deepEqual(await checkPage('login'), []);
    await page.locator('#passkey-login').getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${daemon.baseUrl}/`);
    assert.match(await page.locator('.user-email').innerText(), /admin@example\.com/);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(credentials[0]!.signCount >= 1, 'the authenticator signed');
    await page.goto('/account');
    await page.locator('#passkey-list time').nth(1).waitFor();
    assert.doesNotMatch(await page.locator('#passkey-list tbody tr').innerText(), /never/);
    assert.deepEqual(problems.list, []);
  });

  it('after the password, the passkey is the second step', async () => {
    await logOut();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/login/two-factor');
    await page.locator('#passkey-second-factor').waitFor({ state: 'visible' });
    assert.deepEqual(await checkPage('second-factor'), []);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${daemon.baseUrl}/`);
    assert.match(await page.locator('.user-email').innerText(), /admin@example\.com/);
    assert.deepEqual(problems.list, []);
  });
});
