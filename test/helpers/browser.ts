/**
 * Debian's chromium driven by playwright-core, for the panel's end-to-end tests. One browser per test
 * file, a fresh context (cookies, storage) per test. Never downloads a browser: scripts/test-env.sh
 * installs /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.BERTH_TEST_CHROMIUM ?? '/usr/bin/chromium';

// The machine may have no network: keep chromium from phoning home (updates, sync, QUIC probes).
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}. Run "bash scripts/test-env.sh" to install it ` +
        '(the e2e tests drive the system chromium and never download one).',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
  });
}

/** A fresh, isolated context: relative URLs in page.goto() resolve against baseURL. */
export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(10_000);
  return context;
}

/**
 * Records what a user would never see but a broken page produces: console errors (CSP violations
 * land here too), uncaught exceptions and failed requests. Chromium also logs every 4xx/5xx
 * response as "Failed to load resource"; those count unless their URL is passed to allowHttpError()
 * (for pages a test opens expecting an error status).
 */
export interface PageProblems {
  list: string[];
  allowHttpError(url: string | RegExp): void;
}

export function watchPage(page: Page): PageProblems {
  const list: string[] = [];
  const allowed: (string | RegExp)[] = [];
  const isAllowed = (url: string) => allowed.some((a) => (typeof a === 'string' ? url === a : a.test(url)));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (/^Failed to load resource: the server responded with a status of \d+/.test(message.text()) && isAllowed(url)) {
      return;
    }
    list.push(`console error on ${page.url()}: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => list.push(`uncaught exception on ${page.url()}: ${error.message}`));
  page.on('requestfailed', (request) => {
    // Chromium reports ERR_ABORTED when a navigation cancels requests still loading (an icon of the page
    // being left); that is not a server failure, and HTTP error answers still show up as console errors above.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    list.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'unknown'}`);
  });
  return { list, allowHttpError: (url) => allowed.push(url) };
}

/** Logs in through the panel's form and waits until the browser has left the login page. */
export async function logIn(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}
