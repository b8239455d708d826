/**
 * Custom domains of compose stacks over HTTP (fastify inject, real SQLite, nothing deployed): the same
 * validation as an app's domain (a name Berth cannot serve 400, under the apps domain 422, the panel's or
 * one a service or another stack has 409, both ways), the stack page's Domains section (empty state, add
 * and remove through the forms, certificate status), removal over the API (the undo), the stack's delete
 * taking its domains with it, audit entries; and a stack whose routed service is only on internal
 * networks is refused, as is a pasted env_file naming its line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';

type Method = 'GET' | 'POST' | 'DELETE';
const GIT = { type: 'git', url: 'https://1.1.1.1/acme/web.git', branch: 'main' };
const COMPOSE = 'services:\n  web:\n    image: berth-test/busybox:latest\n';

describe('custom domains of compose stacks over HTTP', () => {
  let t: TestApp;
  let api: (method: Method, url: string, payload?: unknown) => Promise<LightMyRequestResponse>;
  let panel: InjectClient;
  let projectId: string;
  let serviceId: string;
  const stack = async (name: string, compose = COMPOSE) =>
    api('POST', `/api/v1/projects/${projectId}/stacks`, {
      name,
      source: { type: 'paste', compose },
      routedService: 'web',
      routedPort: 80,
    });

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
    panel = await signedInClient(t.app);
    projectId = (await api('POST', '/api/v1/projects', { name: 'shop' })).json().id;
    serviceId = (await api('POST', `/api/v1/projects/${projectId}/services`, { name: 'app', source: GIT })).json().id;
    assert.equal(
      (await api('POST', `/api/v1/services/${serviceId}/domains`, { hostname: 'app.example.org' })).statusCode,
      201,
    );
  });
  after(() => t.close());

  it('validates a stack domain like an app domain, and a name has one owner among services and stacks', async () => {
    const wiki = (await stack('wiki')).json().id as string;
    const blog = (await stack('blog')).json().id as string;
    assert.deepEqual((await api('GET', `/api/v1/stacks/${wiki}/domains`)).json(), []);
    const refused: [string, number, string][] = [
      ['localhost', 422, 'VALIDATION_FAILED'],
      ['10.0.0.1', 422, 'VALIDATION_FAILED'],
      ['bad_label!.example.org', 422, 'VALIDATION_FAILED'],
      ['x.apps.example.com', 422, 'VALIDATION_FAILED'],
      ['panel.example.com', 409, 'HOSTNAME_TAKEN'],
      ['APP.example.org', 409, 'HOSTNAME_TAKEN'],
    ];
    for (const [hostname, status, code] of refused) {
      const res = await api('POST', `/api/v1/stacks/${wiki}/domains`, { hostname });
      assert.equal(res.statusCode, status, `${hostname}: ${res.body}`);
      assert.equal(res.json().error.code, code, hostname);
    }
    assert.equal((await api('POST', `/api/v1/stacks/${wiki}/domains`, { hostname: 'a', extra: 1 })).statusCode, 400);
    const added = await api('POST', `/api/v1/stacks/${wiki}/domains`, { hostname: 'Wiki.Example.org.' });
    assert.equal(added.statusCode, 201, added.body);
    const domain = added.json();
    assert.equal(domain.hostname, 'wiki.example.org');
    assert.equal(domain.serviceId, wiki);
    assert.equal(domain.certificate.serving, 'self-signed');
    // Taken both ways: by another stack, and by an app service.
    assert.equal(
      (await api('POST', `/api/v1/stacks/${blog}/domains`, { hostname: 'wiki.example.org' })).statusCode,
      409,
    );
    const onService = await api('POST', `/api/v1/services/${serviceId}/domains`, { hostname: 'wiki.example.org' });
    assert.equal(onService.statusCode, 409);
    assert.match(onService.json().error.message, /already belongs to a service or stack/);

    // Removing: not through another stack, then the undo; the name is free again.
    assert.equal((await api('DELETE', `/api/v1/stacks/${blog}/domains/${domain.id}`)).statusCode, 404);
    assert.equal((await api('DELETE', `/api/v1/stacks/${wiki}/domains/${domain.id}`)).statusCode, 204);
    assert.equal((await api('DELETE', `/api/v1/stacks/${wiki}/domains/${domain.id}`)).statusCode, 404);
    assert.deepEqual((await api('GET', `/api/v1/stacks/${wiki}/domains`)).json(), []);
    assert.equal(
      (await api('POST', `/api/v1/stacks/${blog}/domains`, { hostname: 'wiki.example.org' })).statusCode,
      201,
    );

    // Deleting the stack takes its domains: the name can be given to a service.
    assert.equal((await api('DELETE', `/api/v1/stacks/${blog}`, { confirm: 'blog' })).statusCode, 204);
    assert.equal((await api('GET', `/api/v1/stacks/${blog}/domains`)).statusCode, 404);
    assert.equal((await t.db.selectFrom('stack_domains').selectAll().where('stack_id', '=', blog).execute()).length, 0);
    assert.equal(
      (await api('POST', `/api/v1/services/${serviceId}/domains`, { hostname: 'wiki.example.org' })).statusCode,
      201,
    );
    assert.equal((await api('GET', `/api/v1/stacks/no_such_stack/domains`)).statusCode, 404);
  });

  it('the stack page has a Domains section: empty state, add and remove through the forms', async () => {
    const id = (await stack('docs')).json().id as string;
    const page = await panel.get(`/stacks/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h3>Domains<\/h3>/);
    assert.match(page.body, /No custom domains yet/);
    const added = await panel.postForm(`/stacks/${id}/domains`, {
      _csrf: csrfTokenOf(page.body),
      hostname: 'docs.example.org',
    });
    assert.equal(added.statusCode, 303);
    const withDomain = await panel.get(`/stacks/${id}`);
    assert.match(withDomain.body, /docs\.example\.org added/);
    assert.match(withDomain.body, /data-domain="docs\.example\.org"/);
    assert.match(withDomain.body, /self-signed certificate|Not issued|Requesting/);
    assert.doesNotMatch(withDomain.body, /No custom domains yet/);
    const taken = await panel.postForm(`/stacks/${id}/domains`, {
      _csrf: csrfTokenOf(withDomain.body),
      hostname: 'app.example.org',
    });
    assert.equal(taken.statusCode, 303);
    assert.match((await panel.get(`/stacks/${id}`)).body, /app\.example\.org already belongs to a service or stack/);
    const noCsrf = await panel.postForm(`/stacks/${id}/domains`, { hostname: 'nocsrf.example.org' });
    assert.equal(noCsrf.statusCode, 403);
    const [row] = await t.db.selectFrom('stack_domains').select('id').where('stack_id', '=', id).execute();
    const removed = await panel.postForm(`/stacks/${id}/domains/${row!.id}/delete`, {
      _csrf: csrfTokenOf(withDomain.body),
    });
    assert.equal(removed.statusCode, 303);
    const after = await panel.get(`/stacks/${id}`);
    assert.match(after.body, /docs\.example\.org removed/);
    assert.match(after.body, /No custom domains yet/);
    const actions = await t.db
      .selectFrom('audit_events')
      .select(['action', 'outcome'])
      .where('action', 'like', 'stack.domain.%')
      .orderBy('id')
      .execute();
    assert.ok(actions.some((a) => a.action === 'stack.domain.add' && a.outcome === 'success'));
    assert.ok(actions.some((a) => a.action === 'stack.domain.remove' && a.outcome === 'success'));
  });

  it('refuses a routed service only on internal networks, and a pasted env_file naming its line', async () => {
    const internal = await stack(
      'inner',
      'services:\n  web:\n    image: x\n    networks: [hidden]\nnetworks:\n  hidden:\n    internal: true\n',
    );
    assert.equal(internal.statusCode, 422);
    assert.match(internal.json().error.message, /only on internal networks/);
    const envFile = await stack('envy', 'services:\n  web:\n    image: x\n    env_file: [.env]\n');
    assert.equal(envFile.statusCode, 422);
    assert.match(
      envFile.json().error.message,
      /line 4: services\.web\.env_file: env_file: a pasted stack has no files; put the variables under environment: or the stack’s variables/,
    );
  });
});
