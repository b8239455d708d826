/**
 * The Terminal tab in Chromium: the real app listening on loopback, a service whose active deployment is a
 * real busybox container on the engine. The admin opens the tab, starts the shell, types a command and
 * sees its output drawn by xterm.js, under the panel's CSP (no console errors: xterm's styles go through
 * the constructed style sheet, not <style> elements); Disconnect ends the shell. axe at 1366 and 390 wide.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LABELS } from '../../src/workloads/labels.js';
import { ADMIN, seedAdmin, tokenFor } from '../helpers/accounts.js';
import {
  launchBrowser,
  logIn,
  newContext,
  seriousAxeViolations,
  watchPage,
  type PageProblems,
} from '../helpers/browser.js';
import { testLabels } from '../helpers/docker-test-env.js';
import { startActiveDeployment } from '../helpers/active-deployment.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

const ARTIFACTS = 'test-artifacts';

describe('the web terminal in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let serviceId: string;
  let deploymentId: string;
  let containerId: string;
  let panelUrl: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const project = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers,
      payload: { name: 'shell' },
    });
    const service = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.json().id}/services`,
      headers,
      payload: { name: 'app', source: { type: 'push' } },
    });
    serviceId = service.json().id;
    ({ deploymentId, containerId } = await startActiveDeployment(t, serviceId, {
      namePrefix: 'term-e2e',
      cmd: ['sleep', '3600'],
      labels: { [LABELS.managed]: 'true', [LABELS.project]: project.json().id },
    }));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    panelUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    context = await newContext(browser, panelUrl, { width: 1366, height: 900 });
    page = await context.newPage();
    problems = watchPage(page);
    await logIn(page, ADMIN);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.runtime.removeContainersByLabel(testLabels({ [LABELS.deployment]: deploymentId }));
    await t?.close();
  });

  const shells = async () =>
    (await t.runtime.exec(containerId, ['ps', '-o', 'args'])).stdout.split('\n').filter((l) => l === '/bin/sh');

  it('opens from the tab, runs a typed command, shows its output, and Disconnect ends the shell', async () => {
    await page.goto(`/services/${serviceId}`);
    await page.locator('#tab-terminal').click();
    await page.waitForURL(`**/services/${serviceId}/terminal`);
    await page.locator('#terminal-screen .xterm').waitFor();
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('#terminal-state', { hasText: 'Connected: /bin/sh in replica 1.' }).waitFor();
    await page.keyboard.type('echo "sum=$((40 + 2))"; id -u\n');
    const rows = page.locator('#terminal-screen .xterm-rows');
    await rows.filter({ hasText: 'sum=42' }).waitFor();
    assert.match(await rows.innerText(), /sum=42\s+0\s/);
    // xterm's measured cell size reached the page: rows are laid out at their own height, not collapsed.
    const rowHeight = await page
      .locator('#terminal-screen .xterm-rows > div')
      .first()
      .evaluate((el) => el.clientHeight);
    assert.ok(rowHeight >= 10, `row height ${rowHeight}`);
    assert.equal((await shells()).length, 1);
    await page.screenshot({ path: `${ARTIFACTS}/terminal-panel.png`, fullPage: true });

    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('#terminal-state', { hasText: /ended|Disconnected/ }).waitFor();
    for (let i = 0; i < 100 && (await shells()).length > 0; i++) await page.waitForTimeout(100);
    assert.deepEqual(await shells(), []);
    assert.deepEqual(problems.list, []);
  });

  it('says why a command is refused, and runs nothing', async () => {
    problems.allowHttpError(/\/terminal\/check/);
    await page.getByLabel('Command').fill('sh -c "touch /tmp/x"');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('#terminal-state', { hasText: 'plain words, without a shell' }).waitFor();
    assert.equal((await t.runtime.exec(containerId, ['test', '-e', '/tmp/x'])).exitCode, 1);
    await page.getByLabel('Command').fill('');
  });

  for (const width of [1366, 390]) {
    it(`has no serious accessibility problems at ${width} px`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`/services/${serviceId}/terminal`);
      await page.locator('#terminal-screen .xterm').waitFor();
      const violations = await seriousAxeViolations(page);
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    });
  }
});
