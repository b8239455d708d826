/**
 * Every panel page in Chromium at a laptop's 1366 px and a phone's 390 px: no sideways scrolling, no
 * serious or critical axe-core violations, no console errors or CSP violations, with a screenshot of each
 * (test-artifacts/screenshots/<page>-<width>.png). Then the shell's everyday parts: the phone menu, copy
 * buttons over plain HTTP, the Ctrl-K palette, the skip link and dark mode. Seed: one project with an
 * image service (one failed deployment) and a Postgres database (the local berth-test/postgres image).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerRuntime } from '../../src/runtime/docker.js';
import {
  launchBrowser,
  logIn,
  newContext,
  PLAIN_HTTP_HOST,
  seriousAxeViolations,
  watchPage,
} from '../helpers/browser.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';

const SCREENSHOTS = 'test-artifacts/screenshots';
const WIDTHS = [1366, 390] as const;

interface PanelPage {
  name: string;
  path: string;
  /** Signed out (login, setup). */
  isPublic?: boolean;
  /** The HTTP status the page answers with, when not 200. */
  status?: number;
}

describe('every panel page on a laptop and a phone', () => {
  let h: Harness;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let projectId: string;
  let serviceId: string;
  let databaseId: string;
  let deploymentId: string;
  let stackId: string;
  const runtime = new DockerRuntime(testDockerEndpoint());

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    h = await startHarness({ BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15' });
    browser = await launchBrowser();

    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'shop' });
    projectId = project.body.id;
    const service = await h.api<{ id: string }>('POST', `/projects/${projectId}/services`, {
      name: 'web',
      source: { type: 'image', image: 'berth-test/busybox:latest' },
      port: 8080,
      healthcheck: { type: 'tcp', timeoutSeconds: 3 },
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    serviceId = service.body.id;
    const database = await h.api<{ id: string }>('POST', `/projects/${projectId}/databases`, {
      name: 'db',
      engine: 'postgres',
    });
    assert.equal(database.status, 201, JSON.stringify(database.body));
    databaseId = database.body.id;
    // busybox's shell exits at once, so this deployment fails its health check: a finished deployment page.
    const deployment = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    deploymentId = deployment.body.id;
    await h.waitForDeployment(deploymentId, 90_000);
    const stack = await h.api<{ id: string }>('POST', `/projects/${projectId}/stacks`, {
      name: 'blog',
      source: { type: 'paste', compose: 'services:\n  web:\n    build: .\n  cache:\n    image: berth-test/redis:7\n' },
      routedService: 'web',
      routedPort: 3000,
      variables: { SECRET_KEY: { value: 'a-long-stack-secret', secret: true } },
    });
    assert.equal(stack.status, 201, JSON.stringify(stack.body));
    stackId = stack.body.id;
    // A second environment: the canvas switcher and its forms are on every project page.
    const staging = await h.api('POST', `/projects/${projectId}/environments`, { name: 'staging' });
    assert.equal(staging.status, 201, JSON.stringify(staging.body));
    await h.api('POST', `/stacks/${stackId}/deploy`);
    for (
      let i = 0;
      i < 100 && (await h.api<{ status: string }>('GET', `/stacks/${stackId}`)).body.status === 'deploying';
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await h?.close();
    if (databaseId) await runtime.removeVolume(`berth-${databaseId}-data`).catch(() => {});
  });

  function pages(): PanelPage[] {
    const s = `/services/${serviceId}`;
    return [
      { name: 'login', path: '/login', isPublic: true },
      { name: 'setup', path: '/setup', isPublic: true, status: 404 },
      { name: 'dashboard', path: '/' },
      { name: 'project', path: `/projects/${projectId}` },
      { name: 'project-staging', path: `/projects/${projectId}?env=staging` },
      { name: 'project-usage', path: `/projects/${projectId}/usage` },
      { name: 'project-metrics', path: `/projects/${projectId}/metrics` },
      { name: 'service', path: s },
      { name: 'service-deployments', path: `${s}/deployments` },
      { name: 'service-variables', path: `${s}/variables` },
      { name: 'service-settings', path: `${s}/settings` },
      { name: 'service-logs', path: `${s}/logs` },
      { name: 'service-kept-logs', path: `${s}/logs/kept` },
      { name: 'service-domains', path: `${s}/domains` },
      { name: 'service-git', path: `${s}/git` },
      { name: 'service-metrics', path: `${s}/metrics` },
      { name: 'service-cron', path: `${s}/cron` },
      { name: 'service-volumes', path: `${s}/volumes` },
      { name: 'service-terminal', path: `${s}/terminal` },
      { name: 'service-traffic', path: `${s}/traffic` },
      { name: 'service-requests', path: `${s}/requests` },
      { name: 'deployment', path: `/deployments/${deploymentId}` },
      { name: 'project-stacks', path: `/projects/${projectId}/stacks` },
      { name: 'stack', path: `/stacks/${stackId}` },
      { name: 'templates', path: `/projects/${projectId}/templates` },
      { name: 'database', path: `/databases/${databaseId}` },
      { name: 'server', path: '/server' },
      { name: 'server-https', path: '/server/https' },
      { name: 'server-metrics', path: '/server/metrics' },
      { name: 'notifications', path: '/notifications' },
      { name: 'system', path: '/system' },
      { name: 'tokens', path: '/tokens' },
      { name: 'ssh-keys', path: '/ssh-keys' },
      { name: 'audit', path: '/audit' },
      { name: 'members', path: '/members' },
      { name: 'api-docs', path: '/api/docs' },
    ];
  }

  async function signedIn(width: number, options: { colorScheme?: 'dark'; baseUrl?: string } = {}): Promise<Page> {
    const context = await newContext(browser, options.baseUrl ?? h.panelUrl, {
      width,
      height: width < 600 ? 844 : 900,
      ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
    });
    contexts.push(context);
    const page = await context.newPage();
    await logIn(page, h.admin);
    return page;
  }

  for (const width of WIDTHS) {
    it(`shows every page at ${width} px without sideways scrolling, axe violations or console errors`, async () => {
      const page = await signedIn(width);
      const signedOut = await (await newContext(browser, h.panelUrl, { width, height: 844 })).newPage();
      contexts.push(signedOut.context());
      const failures: string[] = [];
      for (const { name, path, isPublic, status } of pages()) {
        const tab = isPublic ? signedOut : page;
        const problems = watchPage(tab);
        if (status) problems.allowHttpError(`${h.panelUrl}${path}`);
        const response = await tab.goto(path, { waitUntil: 'load' });
        assert.equal(response?.status(), status ?? 200, `${name}: HTTP status`);
        if (name === 'api-docs') await tab.locator('#berth-panel-link').waitFor();
        else await tab.locator('main h1, main h2').first().waitFor();

        const widths = await tab.evaluate('[document.documentElement.scrollWidth, window.innerWidth]');
        const [scrollWidth, innerWidth] = widths as [number, number];
        if (scrollWidth > innerWidth) {
          const wide = await tab.evaluate(`[...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 4).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className).join(', ')`);
          failures.push(`${name}: scrolls sideways (${scrollWidth} > ${innerWidth}): ${String(wide)}`);
        }
        for (const v of await seriousAxeViolations(tab)) {
          failures.push(`${name}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(' | ')}`);
        }
        await tab.screenshot({ path: `${SCREENSHOTS}/${name}-${width}.png`, fullPage: true });
        failures.push(...problems.list.map((p) => `${name}: ${p}`));
        tab.removeAllListeners();
      }
      assert.deepEqual(failures, []);
    });
  }

  it('shows the stack page and the template gallery at 375 px with every button in reach', async () => {
    const page = await signedIn(375);
    const problems = watchPage(page);
    const failures: string[] = [];
    const phonePages = {
      stack: `/stacks/${stackId}`,
      templates: `/projects/${projectId}/templates`,
      // Staging's canvas before production's: the checks after the loop are of production's canvas.
      'project-staging': `/projects/${projectId}?env=staging`,
      project: `/projects/${projectId}`,
    };
    for (const [name, path] of Object.entries(phonePages)) {
      await page.goto(path);
      await page.locator('main h1, main h2').first().waitFor();
      // Open every install form of the gallery: its fields and button must fit too.
      await page.evaluate(`document.querySelectorAll('main details').forEach((d) => { d.open = true; })`);
      const [scrollWidth, innerWidth] = (await page.evaluate(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      )) as [number, number];
      if (scrollWidth > innerWidth) failures.push(`${path}: scrolls sideways (${scrollWidth} > ${innerWidth})`);
      const outside = await page.evaluate(`[...document.querySelectorAll('main button, main input, main textarea')]
        .filter((e) => e.type !== 'hidden' && e.getClientRects().length > 0)
        .filter((e) => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
        .map((e) => (e.textContent || e.name || e.tagName).trim())`);
      for (const control of outside as string[]) failures.push(`${path}: ${control} is out of reach`);
      await page.screenshot({ path: `${SCREENSHOTS}/${name}-375.png`, fullPage: true });
    }
    assert.match(await page.locator('#stack-tiles').innerText(), /blog[\s\S]*failed[\s\S]*2 services/);
    // On the project page, a deploy's stack events reach the tile: it is fetched again, without a reload.
    await page.locator('body[data-live-open="true"]').waitFor();
    const refetched = page.waitForResponse((r) => r.url().endsWith(`/stacks/${stackId}/tile`) && r.status() === 200);
    await h.api('POST', `/stacks/${stackId}/deploy`);
    await refetched;
    await page.locator('body[data-live-last="stack:failed"]').waitFor();
    await page.locator(`#tile-${stackId}[data-live="stack:${stackId}"] [data-status="failed"]`).waitFor();
    assert.deepEqual(failures, []);
    assert.deepEqual(problems.list, []);
  });

  it('reaches every service tab by its path and by keyboard, the Logs page included', async () => {
    const page = await signedIn(1366);
    const problems = watchPage(page);
    const s = `/services/${serviceId}`;
    // The old ?tab= address lands on the tab's own path.
    await page.goto(`${s}?tab=git`);
    await page.waitForURL(new RegExp(`${s}/git$`));
    assert.equal(await page.locator('#tab-git').getAttribute('aria-current'), 'page');
    await page.locator('#git-http-remote').waitFor();

    // From the keyboard: Tab to Domains, Enter; the page body swaps and the address bar follows.
    await page.locator('#tab-settings').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'tab-domains');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`${s}/domains$`));
    await page.locator('#add-domain-form').waitFor();
    assert.equal(await page.locator('#tab-domains').getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('#tab-panel').getAttribute('aria-labelledby'), 'tab-domains');

    // The Logs page carries the same bar, Logs marked; its tabs lead on from there.
    await page.locator('#tab-logs').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`${s}/logs$`));
    assert.equal(await page.locator('#tab-logs').getAttribute('aria-current'), 'page');
    assert.equal(
      await page
        .locator('#service-tabs a')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href')))
        .then(String),
      ['deployments', 'variables', 'logs', 'terminal', 'settings', 'domains', 'git', 'metrics', 'cron', 'volumes']
        .map((t) => `${s}/${t}`)
        .join(','),
    );
    await page.locator('#tab-logs').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'tab-terminal');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'tab-settings');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`${s}/settings$`));
    await page.locator('#settings').waitFor();
    assert.deepEqual(problems.list, []);
  });

  it('collapses the navigation on a phone behind a menu button that works from the keyboard', async () => {
    const page = await signedIn(390);
    const menu = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await nav.isVisible(), false, 'the navigation is folded away on a phone');

    await menu.focus();
    await page.keyboard.press('Enter');
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await nav.getByRole('link', { name: 'SSH keys' }).waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    assert.equal(await nav.isVisible(), false);
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Menu', 'focus goes back to the button');

    await page.keyboard.press('Space');
    await nav.getByRole('link', { name: 'SSH keys' }).click();
    await page.waitForURL(/\/ssh-keys$/);
    await page.getByRole('heading', { name: 'SSH keys' }).waitFor();

    // On a laptop the same navigation is simply there.
    await page.setViewportSize({ width: 1366, height: 900 });
    assert.equal(await nav.isVisible(), true);
    assert.equal(await menu.isVisible(), false);
  });

  it('copies a git remote over plain HTTP, where the Clipboard API does not exist', async () => {
    const plainUrl = `http://${PLAIN_HTTP_HOST}:${new URL(h.panelUrl).port}`;
    const page = await signedIn(1366, { baseUrl: plainUrl });
    const problems = watchPage(page);
    await page.goto(`/services/${serviceId}/git`);
    assert.equal(await page.evaluate('window.isSecureContext'), false, 'a plain-HTTP page is not a secure context');
    assert.equal(await page.evaluate('typeof navigator.clipboard'), 'undefined');

    const remote = (await page.locator('#git-http-remote').innerText()).trim();
    assert.match(remote, /^http:\/\/.+\.git$/);
    // The push command stands on its own step (the commands were once run together into one line).
    assert.equal((await page.locator('#git-push-command').innerText()).trim(), 'git push berth main');
    const button = page.locator('.copy-row', { has: page.locator('#git-http-remote') }).getByRole('button');
    await button.click();
    await page
      .locator('.copy-row', { has: page.locator('#git-http-remote') })
      .getByText('Copied')
      .waitFor();

    // Read the clipboard back the way a user would: paste into a text field.
    await page.evaluate(`(() => {
      const field = document.createElement('textarea');
      field.id = 'paste-target';
      field.setAttribute('aria-label', 'paste here');
      document.getElementById('main').prepend(field);
    })()`);
    await page.locator('#paste-target').focus();
    await page.keyboard.press('Control+V');
    assert.equal(await page.locator('#paste-target').inputValue(), `git remote add berth ${remote}`);
    // The label comes back after a moment.
    await button.filter({ hasText: /^Copy command$/ }).waitFor({ timeout: 5000 });
    assert.deepEqual(problems.list, []);
  });

  it('opens the palette with Ctrl-K and goes to a service, a database and a page by keyboard only', async () => {
    const page = await signedIn(1366);
    const problems = watchPage(page);
    await page.goto('/');
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Jump to' });
    await dialog.waitFor();
    const box = dialog.getByRole('combobox');
    assert.equal(await page.evaluate('document.activeElement.id'), 'palette-input', 'the search field has focus');

    await box.fill('web');
    const first = dialog.getByRole('option').first();
    await first.filter({ hasText: 'web' }).waitFor();
    assert.equal(await box.getAttribute('aria-activedescendant'), await first.getAttribute('id'));
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/services/${serviceId}$`));

    await page.keyboard.press('Control+k');
    await box.fill('db postgres');
    await dialog.getByRole('option', { name: /db/ }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/databases/${databaseId}$`));

    // Arrows move the selection; Escape closes without going anywhere and gives focus back.
    await page.keyboard.press('Control+k');
    await box.fill('ssh');
    await dialog.getByRole('option', { name: /SSH keys/ }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.match(page.url(), /\/databases\//);

    await page.keyboard.press('Control+k');
    await box.fill('');
    await dialog.getByRole('option', { name: /^Dashboard/ }).waitFor();
    await page.keyboard.press('ArrowDown');
    const selected = dialog.locator('[role="option"][aria-selected="true"]');
    assert.match(await selected.innerText(), /^Server/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/server$/);
    assert.deepEqual(problems.list, []);
  });

  it('lets the keyboard skip to the content, with a visible focus ring', async () => {
    const page = await signedIn(1366);
    await page.goto(`/projects/${projectId}`);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    assert.equal(
      await page.evaluate('document.activeElement.textContent'),
      'Skip to content',
      'the skip link comes first',
    );
    assert.ok((await skip.boundingBox())!.y >= 0, 'and shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.id'), 'main');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    assert.notEqual(outline, 'none', 'the focused control shows a focus ring');
  });

  it('follows a dark system theme with enough contrast', async () => {
    const page = await signedIn(1366, { colorScheme: 'dark' });
    const failures: string[] = [];
    for (const path of ['/', `/services/${serviceId}`, `/databases/${databaseId}`, `/deployments/${deploymentId}`]) {
      await page.goto(path);
      const background = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
      const [r, g, b] = String(background).match(/\d+/g)!.map(Number);
      assert.ok(r! + g! + b! < 120, `${path}: the page is dark (${String(background)})`);
      for (const v of await seriousAxeViolations(page))
        failures.push(`${path}: axe ${v.id} at ${v.targets.join(' | ')}`);
    }
    await page.goto(`/services/${serviceId}`);
    await page.screenshot({ path: `${SCREENSHOTS}/service-dark-1366.png`, fullPage: true });
    assert.deepEqual(failures, []);
  });
});
