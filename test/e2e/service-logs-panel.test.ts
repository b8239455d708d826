/**
 * The runtime log view in Chromium, on a really deployed app (the dockerfile-app fixture, changed in this
 * test's repo to print a tick on stdout every 250 ms, a warning on stderr every fourth tick, and 2,500 lines
 * at once on GET /burst): lines arrive with the time they were written, the filter hides lines that do not
 * match (text and stream), Pause stops new lines until Resume, Download gives a file with the lines, and the
 * page keeps no more than its line cap.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createFixtureService } from '../helpers/daemon-api.js';
import { launchBrowser, logIn, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';

const ARTIFACTS = 'test-artifacts';
const MAX_LINES = 2000;

/** The fixture server, plus a steady output on both streams and a burst on request. */
function tickingServer(): string {
  const server = fixtureFiles('dockerfile-app')['server.mjs']!.replace(
    "  reply(res, 404, 'not found');",
    "  if (url.pathname === '/burst') {\n    for (let i = 0; i < 2500; i++) console.log('burst ' + i);\n    return reply(res, 200, 'ok');\n  }\n  reply(res, 404, 'not found');",
  );
  assert.ok(server.includes('/burst'), 'the burst route was added');
  return `${server}\nlet tick = 0;\nsetInterval(() => {\n  tick++;\n  console.log('tick ' + tick);\n  if (tick % 4 === 0) console.error('warn ' + tick);\n}, 250);\n`;
}

/** GET through Berth's proxy on loopback, with the app's Host name. */
function getThroughProxy(port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the runtime log view in a real browser', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let serviceId: string;

  const lines = () => page.locator('#service-log .log-line');
  const visibleTexts = () => page.locator('#service-log .log-line:not([hidden]) .log-text').allInnerTexts();

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    git = await startGitServer();
    repo = await git.createRepo('ticking-app', {
      ...fixtureFiles('dockerfile-app'),
      'server.mjs': tickingServer(),
      VERSION: 'v1\n',
    });
    h = await startHarness();
    ({ serviceId } = await createFixtureService(h.api, { project: 'ticks', service: 'web', repoUrl: repo.url }));
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201);
    const deployment = await h.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
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
  });

  it('shows lines as they arrive, each with the time the container wrote it', async () => {
    await page.goto(`/services/${serviceId}/logs`);
    const tick = lines()
      .filter({ hasText: /tick \d+/ })
      .last();
    await tick.waitFor({ timeout: 30_000 });
    const time = tick.locator('time');
    assert.match(await time.innerText(), /^\d\d:\d\d:\d\d$/);
    const at = Date.parse((await time.getAttribute('datetime'))!);
    assert.ok(Math.abs(Date.now() - at) < 5 * 60_000, `a real time: ${await time.getAttribute('datetime')}`);
    // New lines keep coming while the page is open.
    const before = await lines().count();
    for (let i = 0; i < 50 && (await lines().count()) <= before; i++) await page.waitForTimeout(100);
    assert.ok((await lines().count()) > before, 'a new line arrived without a reload');
    await page.locator('#log-state', { hasText: 'Following live' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/service-logs.png`, fullPage: true });
  });

  it('hides the lines that do not match the filter, by text and by stream', async () => {
    await lines()
      .filter({ hasText: /warn \d+/ })
      .first()
      .waitFor({ timeout: 10_000 });
    await page.getByLabel('Filter').fill('warn');
    let shown = await visibleTexts();
    assert.ok(shown.length > 0, 'some lines match');
    assert.ok(
      shown.every((l) => l.includes('warn')),
      shown.join('\n'),
    );
    assert.ok(
      (await lines()
        .filter({ hasText: /tick \d+/ })
        .count()) > 0,
      'the other lines are hidden, not gone',
    );
    assert.equal(await page.locator('#service-log .log-line:not([hidden])', { hasText: /tick \d+/ }).count(), 0);

    await page.getByLabel('Filter').fill('');
    await page.locator('#log-stream').selectOption('stderr');
    shown = await visibleTexts();
    assert.ok(shown.length > 0 && shown.every((l) => /^warn \d+$/.test(l)), shown.join('\n'));
    await page.locator('#log-stream').selectOption('stdout');
    shown = await visibleTexts();
    assert.ok(shown.length > 0 && !shown.some((l) => l.startsWith('warn')), shown.join('\n'));
    await page.locator('#log-stream').selectOption('');
  });

  it('stops adding lines while paused, and adds the waiting ones on resume', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = await lines().count();
    await page.waitForTimeout(1500);
    assert.equal(await lines().count(), paused, 'no new line while paused');
    assert.match(await page.locator('#log-state').innerText(), /^Paused · \d+ new lines? waiting$/);
    assert.equal(await page.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Resume' }).click();
    assert.ok((await lines().count()) > paused, 'the lines that arrived meanwhile are shown');
    await page.locator('#log-state', { hasText: 'Following live' }).waitFor();
  });

  it('downloads the current output as a text file with the lines', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#log-download').click()]);
    assert.match(download.suggestedFilename(), /^web-dep_[0-9a-z]+-current\.log$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const fileLines = text.trimEnd().split('\n');
    assert.ok(
      fileLines.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z stdout tick \d+$/.test(l)),
      text.slice(-2000),
    );
    assert.ok(
      fileLines.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z stderr warn \d+$/.test(l)),
      text.slice(-2000),
    );
  });

  it(`keeps at most ${MAX_LINES} lines in the page`, async () => {
    assert.equal(await getThroughProxy(h.proxyPort, 'web-ticks.localhost', '/burst'), 200);
    const deadline = Date.now() + 30_000;
    while (
      (await lines()
        .filter({ hasText: /burst 2499$/ })
        .count()) === 0
    ) {
      if (Date.now() > deadline) {
        const last = await lines().evaluateAll((els) => els.slice(-5).map((e) => e.textContent));
        const state = await page.locator('#log-state').innerText();
        assert.fail(`no "burst 2499" in ${await lines().count()} lines; the last: ${JSON.stringify(last)}; ${state}`);
      }
      await page.waitForTimeout(200);
    }
    const count = await lines().count();
    assert.ok(count <= MAX_LINES, `${count} lines in the page`);
    assert.ok(count >= MAX_LINES - 10, `${count}: the newest lines are all kept`);
    assert.equal(
      await lines()
        .filter({ hasText: /burst 0$/ })
        .count(),
      0,
      'the oldest ones were dropped',
    );
  });

  it('showed no console errors or CSP violations', () => {
    assert.deepEqual(problems.list, []);
  });
});
