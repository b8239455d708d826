/**
 * Debian's chromium driven by playwright-core, for the panel's end-to-end tests. One browser per test
 * file, a fresh context (cookies, storage) per test. Never downloads a browser: scripts/test-env.sh
 * installs /usr/bin/chromium.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * Host names under .berth.test resolve to 127.0.0.1 inside this chromium (and nowhere else): a page at
 * http://panel.berth.test:<port> is a plain-HTTP, non-secure context (no Clipboard API), as a panel reached
 * by its LAN address is, while every request stays on loopback. (127.0.0.1 itself counts as secure.)
 */
export const PLAIN_HTTP_HOST = 'panel.berth.test';

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
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP *.berth.test 127.0.0.1`],
  });
}

/** A fresh, isolated context: relative URLs in page.goto() resolve against baseURL. */
export async function newContext(
  browser: Browser,
  baseURL: string,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
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

/**
 * Chromium cancels requests in flight when the host's network interfaces change, and other test files
 * running beside this one create and remove Docker bridge networks (stacks, projects) at any moment: a
 * CI run failed on an icon request cut that way. That is the test machine, not the page; a request the page
 * needs still fails the test where it checks what the page shows.
 */
const NETWORK_CHANGED = 'net::ERR_NETWORK_CHANGED';

/**
 * Pages axe-core was evaluated in. axe compiles some of its own message templates with `new Function`, which
 * the panel's CSP (no 'unsafe-eval') refuses; on some page states that surfaces as an uncaught EvalError from
 * axe itself (a CI run saw it on a database page). The panel never evaluates strings (htmx runs with
 * allowEval false, public/js has no eval), so on those pages that one error is axe's, not the page's.
 */
const axePages = new WeakSet<Page>();
const UNSAFE_EVAL =
  /Evaluating a string as JavaScript violates the following Content Security Policy directive because 'unsafe-eval'/;

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
    if (message.text() === `Failed to load resource: ${NETWORK_CHANGED}`) return;
    list.push(`console error on ${page.url()}: ${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => {
    if (axePages.has(page) && error.name === 'EvalError' && UNSAFE_EVAL.test(error.message)) return;
    list.push(`uncaught exception on ${page.url()}: ${error.message}`);
  });
  page.on('requestfailed', (request) => {
    // Chromium reports ERR_ABORTED when a navigation cancels requests still loading (an icon of the page
    // being left); that is not a server failure, and HTTP error answers still show up as console errors above.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    if (request.failure()?.errorText === NETWORK_CHANGED) return;
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

/** An accessibility problem axe-core found on a page, in short. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const AXE_SOURCE_PATH = 'node_modules/axe-core/axe.min.js';

/**
 * Waits until no htmx request is in flight and the element it dimmed has faded back: while a partial loads
 * (a chart, a live badge) the panel shows it at 60 % opacity, which axe would judge as the page's contrast.
 */
async function settleHtmxRequests(page: Page): Promise<void> {
  await page
    .waitForFunction('document.querySelector(".htmx-request") === null', undefined, { timeout: 10_000 })
    .catch(() => undefined); // a page that keeps polling is judged as it is
  await page.waitForTimeout(250); // the opacity transition (0.2 s)
}
let axeSource: string | undefined;

/**
 * Runs axe-core (WCAG 2.1 A/AA rules) on the page and returns the serious and critical violations.
 * axe is evaluated through the DevTools protocol rather than added as a <script>: the panel's CSP
 * (script-src 'self') rightly refuses inline scripts, and the test must not weaken it.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await settleHtmxRequests(page);
  axeSource ??= readFileSync(AXE_SOURCE_PATH, 'utf8');
  axePages.add(page);
  const hasAxe = await page.evaluate('typeof window.axe === "object"');
  if (!hasAxe) await page.evaluate(axeSource);
  const violations = (await page.evaluate(`window.axe
    .run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    })
    .then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => String(n.target)),
    })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
