/**
 * A user adds a domain in the panel, in Chromium, and watches its certificate go to "issued": a real ACME
 * CA (Pebble) validates through Berth's own proxy port, and the DNS check asks pebble-challtestsrv.
 * No deploy is needed: the challenge is answered before routing.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, logIn, newContext, watchPage, type PageProblems } from '../helpers/browser.js';
import { createFixtureService } from '../helpers/daemon-api.js';
import { freePort } from '../helpers/daemon-process.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { hasPebble, startPebble, type Pebble } from '../helpers/pebble.js';

const ARTIFACTS = 'test-artifacts';

describe(
  'adding a domain in the panel in a real browser',
  { skip: hasPebble() ? false : 'pebble is not installed (scripts/test-env.sh installs it)' },
  () => {
    let h: Harness;
    let pebble: Pebble;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: PageProblems;
    let serviceId: string;

    before(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      const httpPort = await freePort();
      pebble = await startPebble({ httpPort });
      h = await startHarness(
        {
          BERTH_HTTP_PORT: String(httpPort),
          BERTH_ACME_DIRECTORY: pebble.directoryUrl,
          BERTH_ACME_CA_FILE: pebble.caFile,
          BERTH_DNS_RESOLVER: pebble.dnsServer,
          BERTH_PUBLIC_IPS: '127.0.0.1',
        },
        { certificateTiming: { pollMinMs: 100, pollMaxMs: 500 } },
      );
      ({ serviceId } = await createFixtureService(h.api, { project: 'site', repoUrl: 'http://127.0.0.1:9/site.git' }));
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
      await pebble?.close();
    });

    it('adds app.example.com, sees the DNS check and the certificate status move to issued', async () => {
      await page.goto(`/services/${serviceId}/domains`);
      await page.evaluate("document.body.setAttribute('data-test-mark', 'kept')");
      const section = page.locator('#domains');
      await section.locator('#no-domains').waitFor();
      await section.getByLabel('Domain').fill('App.Example.com');
      await section.getByRole('button', { name: 'Add domain' }).click();
      const row = section.locator('tr[data-hostname="app.example.com"]');
      await row.waitFor();
      await row
        .locator('.cert-status')
        .filter({ hasText: /^issued$/ })
        .waitFor({ timeout: 30_000 });
      assert.match(await row.innerText(), /by Pebble Intermediate/);
      // Told by the live stream on the open page: no reload, and the list does not poll.
      assert.equal(await page.locator('body').getAttribute('data-test-mark'), 'kept');
      assert.match(String(await page.locator('body').getAttribute('data-live-last')), /^certificate:/);
      assert.equal(await page.locator('#domain-list[hx-trigger*="every"]').count(), 0);

      await row.getByRole('button', { name: 'Check DNS' }).click();
      const dns = row.locator('.dns-check');
      await dns.waitFor();
      assert.match(await dns.innerText(), /app\.example\.com points here \(127\.0\.0\.1\)/);
      await section.screenshot({ path: `${ARTIFACTS}/domains-issued.png` });

      page.once('dialog', (dialog) => void dialog.accept());
      await row.getByRole('button', { name: 'Remove' }).click();
      await section.locator('#no-domains').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}/domains-panel.png`, fullPage: true });
      assert.deepEqual(problems.list, []);
    });
  },
);
