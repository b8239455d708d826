// Custom domains through the API and the panel's htmx partials, on the real app and SQLite. The ACME
// directory is a closed loopback port, so every order fails at once with "cannot be reached": nothing here
// leaves the machine, and the failure path (reason in words, self-signed meanwhile) is what gets shown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { assertBadInput } from '../helpers/refusals.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';

type Method = 'GET' | 'POST' | 'DELETE';
const GIT = { type: 'git', url: 'https://1.1.1.1/acme/web.git', branch: 'main' };

describe('domains in the API and the panel', () => {
  let t: TestApp;
  let api: (method: Method, url: string, payload?: unknown) => Promise<LightMyRequestResponse>;
  let serviceId: string;
  let otherServiceId: string;

  before(async () => {
    t = await createTestApp({
      withHttps: true,
      env: {
        BERTH_ACME_DIRECTORY: 'http://127.0.0.1:9/directory',
        BERTH_PANEL_DOMAIN: 'panel.example.com',
        BERTH_APPS_DOMAIN: 'apps.example.com',
      },
    });
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    api = (method, url, payload) =>
      t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    const project = (await api('POST', '/api/v1/projects', { name: 'shop' })).json();
    serviceId = (await api('POST', `/api/v1/projects/${project.id}/services`, { name: 'web', source: GIT })).json().id;
    otherServiceId = (
      await api('POST', `/api/v1/projects/${project.id}/services`, { name: 'worker', source: GIT })
    ).json().id;
  });
  after(() => t.close());

  it('adds a normalised domain, lists it with its certificate state, and refuses a second owner with 409', async () => {
    const added = await api('POST', `/api/v1/services/${serviceId}/domains`, { hostname: 'Shop.Example.ORG.' });
    assert.equal(added.statusCode, 201, added.body);
    const [domain] = added.json();
    assert.equal(domain.hostname, 'shop.example.org');
    assert.equal(domain.port, null);
    assert.equal(domain.certificate.serving, 'self-signed');

    const taken = await api('POST', `/api/v1/services/${otherServiceId}/domains`, { hostname: 'SHOP.example.org' });
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.json().error.code, 'HOSTNAME_TAKEN');
    const panel = await api('POST', `/api/v1/services/${otherServiceId}/domains`, { hostname: 'panel.example.com' });
    assert.equal(panel.statusCode, 409);
    const apps = await api('POST', `/api/v1/services/${otherServiceId}/domains`, { hostname: 'x.apps.example.com' });
    assert.equal(apps.statusCode, 422);

    const list = await api('GET', `/api/v1/services/${serviceId}/domains`);
    assert.deepEqual(
      list.json().map((d: { hostname: string }) => d.hostname),
      ['shop.example.org'],
    );
  });

  it('says in words why the certificate is missing, and when it tries again', async () => {
    const [domain] = (await api('GET', `/api/v1/services/${serviceId}/domains`)).json();
    const deadline = Date.now() + 10_000;
    let body = (await api('GET', `/api/v1/domains/${domain.id}`)).json();
    while (!body.certificate.lastError && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      body = (await api('GET', `/api/v1/domains/${domain.id}`)).json();
    }
    assert.equal(body.certificate.status, 'failed');
    assert.match(body.certificate.lastError, /certificate authority cannot be reached .*ECONNREFUSED/);
    assert.ok(Date.parse(body.certificate.nextRetryAt) > Date.now(), 'a retry is scheduled in the future');
    const renew = await api('POST', `/api/v1/domains/${domain.id}/renew`);
    assert.equal(renew.statusCode, 202);
  });

  it('refuses bad input with 400 and loses nothing', async () => {
    for (const payload of [
      { hostname: '10.0.0.1' },
      { hostname: 'localhost' },
      { hostname: 'a b.example.org' },
      { hostname: 'x.example.org', port: 0 },
      { hostname: 'x.example.org', port: 70000 },
      { hostname: 'x.example.org', extra: true },
      {},
    ]) {
      const res = await api('POST', `/api/v1/services/${serviceId}/domains`, payload);
      assertBadInput(res, JSON.stringify(payload));
    }
    const missing = await api('POST', '/api/v1/services/svc_nope/domains', { hostname: 'y.example.org' });
    assert.equal(missing.statusCode, 404);
    assert.equal((await api('GET', `/api/v1/services/${serviceId}/domains`)).json().length, 1);
  });

  it('adds a www twin that redirects, and removes both together', async () => {
    const added = await api('POST', `/api/v1/services/${otherServiceId}/domains`, {
      hostname: 'example.net',
      redirectTwin: true,
      port: 8080,
    });
    assert.equal(added.statusCode, 201, added.body);
    assert.deepEqual(
      added
        .json()
        .map((d: { hostname: string; redirectTo: string | null; port: number }) => [d.hostname, d.redirectTo, d.port]),
      [
        ['example.net', null, 8080],
        ['www.example.net', 'example.net', 8080],
      ],
    );
    const removed = await api('DELETE', `/api/v1/domains/${added.json()[0].id}`);
    assert.equal(removed.statusCode, 204);
    assert.deepEqual((await api('GET', `/api/v1/services/${otherServiceId}/domains`)).json(), []);
  });

  describe('the Domains section of the service page', () => {
    let client: InjectClient;
    const hx = { 'hx-request': 'true' };
    before(async () => {
      client = await signedInClient(t.app);
    });

    it('is a tab, adds a domain with its port, shows errors in place, and removes with confirm', async () => {
      const page = await client.get(`/services/${otherServiceId}/domains`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /id="tab-domains"[^>]*aria-current="page"/);
      assert.match(page.body, /id="no-domains"/, 'the list is on the tab itself');
      assert.doesNotMatch(page.body, /name="port"[^>]*value="\d/, "the service's own port is not offered as typed");
      const section = await client.get(`/services/${otherServiceId}/domains`, hx);
      assert.equal(section.statusCode, 200);
      assert.match(section.body, /id="no-domains"/);
      const csrf = csrfTokenOf(section.body);

      const bad = await client.postForm(
        `/services/${otherServiceId}/domains`,
        { _csrf: csrf, hostname: 'localhost' },
        hx,
      );
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, /id="domain-error"[^>]*>[^<]*localhost/);
      assert.match(bad.body, /value="localhost"/, 'the form keeps what was typed');

      const added = await client.postForm(
        `/services/${otherServiceId}/domains`,
        { _csrf: csrf, hostname: 'API.example.org', port: '8081', hsts: 'on' },
        hx,
      );
      assert.equal(added.statusCode, 200, added.body);
      assert.match(added.body, /data-hostname="api\.example\.org"/);
      assert.match(added.body, /<td>8081<\/td>/);
      assert.match(added.body, /HSTS/);
      assert.match(added.body, /hx-confirm="Remove api\.example\.org\?/);

      const taken = await client.postForm(
        `/services/${otherServiceId}/domains`,
        { _csrf: csrf, hostname: 'shop.example.org' },
        hx,
      );
      assert.equal(taken.statusCode, 409);
      assert.match(taken.body, /already belongs to a service/);

      const id = /id="domain-(dom_[a-z0-9]+)"/.exec(added.body)![1]!;
      const deadline = Date.now() + 10_000;
      let list = await client.get(`/services/${otherServiceId}/domains?part=list`, hx);
      while (!/cert-error/.test(list.body) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        list = await client.get(`/services/${otherServiceId}/domains?part=list`, hx);
      }
      assert.match(list.body, /class="error small cert-error">The certificate authority cannot be reached/);
      assert.match(
        list.body,
        /id="domain-list" data-live="certificate:api\.example\.org" data-live-resync hx-get="[^"]+\?part=list" hx-trigger="live"/,
        'the list follows the live stream (no polling), and looks again when the stream opens',
      );
      assert.doesNotMatch(list.body, /every \d+s/);

      const renewed = await client.postForm(`/domains/${id}/renew`, { _csrf: csrf }, hx);
      assert.equal(renewed.statusCode, 200);
      assert.match(renewed.body, /Requesting a new certificate for api\.example\.org/);

      const removed = await client.postForm(`/domains/${id}/delete`, { _csrf: csrf }, hx);
      assert.equal(removed.statusCode, 200);
      assert.match(removed.body, /api\.example\.org removed/);
      assert.match(removed.body, /id="no-domains"/);
    });

    it('shows on the Server page where certificates come from and why the panel has none yet', async () => {
      const server = await client.get('/server');
      assert.match(server.body, /hx-get="\/server\/https"/);
      const deadline = Date.now() + 10_000;
      let card = await client.get('/server/https', hx);
      while (!/no certificate yet/.test(card.body) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        card = await client.get('/server/https', hx);
      }
      assert.equal(card.statusCode, 200);
      assert.match(card.body, /http:\/\/127\.0\.0\.1:9\/directory \(BERTH_ACME_DIRECTORY\)/);
      assert.match(card.body, /panel\.example\.com:\s*no certificate yet: The certificate authority cannot be reached/);
      assert.match(card.body, /not listening/, 'this test app has no HTTPS listener, and the card says so');
    });

    it('refuses a form without its CSRF token, and sends people without htmx back to the service page', async () => {
      const forged = await client.postForm(`/services/${otherServiceId}/domains`, { hostname: 'evil.example.org' }, hx);
      assert.equal(forged.statusCode, 403);
      const plain = await client.postForm(`/services/${otherServiceId}/domains`, {
        _csrf: csrfTokenOf((await client.get(`/services/${otherServiceId}/domains`)).body),
        hostname: 'plain.example.org',
      });
      assert.equal(plain.statusCode, 303);
      assert.equal(plain.headers.location, `/services/${otherServiceId}/domains`);
    });
  });
});
