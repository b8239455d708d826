/**
 * Config as code over HTTP: the public JSON Schema, the `configFile` of the service and deployment reads,
 * the read-only "from berth.json" settings on the Settings tab, and a webhook push outside the watch paths.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { BERTH_SCHEMA } from '../../src/repo-config/berth-schema.js';
import { recordConfigFile } from '../../src/repo-config/repo-config.repository.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

type Method = 'GET' | 'POST';
// A public IP literal: validation needs no DNS answer, and nothing here ever connects to it.
const PUBLIC_GIT = 'https://1.1.1.1/acme/web.git';
const FILE = {
  path: 'berth.json',
  environment: null,
  settings: {
    start: 'node alt.mjs',
    healthcheck: { path: '/alt-health' },
    build: { watchPaths: ['src/**'] },
    variables: { DATABASE_URL: '${{db.DATABASE_URL}}' },
  },
};

describe('berth.json over HTTP', () => {
  let t: TestApp;
  let api: (method: Method, url: string, payload?: unknown) => Promise<LightMyRequestResponse>;
  let serviceId: string;

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    api = (method, url, payload) =>
      t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    const project = (await api('POST', '/api/v1/projects', { name: 'shop' })).json();
    const service = await api('POST', `/api/v1/projects/${project.id}/services`, {
      name: 'web',
      source: { type: 'git', url: PUBLIC_GIT, branch: 'main' },
    });
    assert.equal(service.statusCode, 201, service.body);
    serviceId = service.json().id;
  });
  after(() => t.close());

  it('publishes the JSON Schema to anyone, as application/schema+json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/schema/berth.json' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/schema\+json/);
    assert.deepEqual(res.json(), JSON.parse(JSON.stringify(BERTH_SCHEMA)));
  });

  it('has no configFile until a deploy applied one; then the service and deployment reads show it', async () => {
    assert.equal((await api('GET', `/api/v1/services/${serviceId}`)).json().configFile, null);
    await t.db
      .insertInto('deployments')
      .values({
        id: 'dep_configfile1',
        service_id: serviceId,
        status: 'active',
        trigger: 'manual',
        triggered_by: null,
        image: 'nginx:1.27',
        rollback_of: null,
        commit_sha: 'a'.repeat(40),
        created_at: new Date().toISOString(),
      })
      .execute();
    await recordConfigFile(t.db, 'dep_configfile1', FILE);
    const service = (await api('GET', `/api/v1/services/${serviceId}`)).json();
    assert.deepEqual(service.configFile, { ...FILE, deploymentId: 'dep_configfile1' });
    const deployment = (await api('GET', '/api/v1/deployments/dep_configfile1')).json();
    assert.deepEqual(deployment.configFile, { ...FILE, deploymentId: 'dep_configfile1' });
  });

  it('shows the settings from the file read-only with a badge and the path on the Settings tab', async () => {
    const client = await signedInClient(t.app);
    const page = await client.get(`/services/${serviceId}/settings`);
    assert.equal(page.statusCode, 200);
    const block = /<div id="config-file"[\s\S]*?<\/div>/.exec(page.body)?.[0] ?? '';
    assert.match(block, /From <code>berth\.json<\/code> <span class="badge ok">from berth\.json<\/span>/);
    assert.match(block, /<code>healthcheck\.path<\/code>[^<]*<span class="badge ok"/);
    assert.match(
      block,
      /<input type="text" readonly aria-label="healthcheck\.path \(from berth\.json\)" value="\/alt-health">/,
    );
    assert.match(block, /value="node alt\.mjs"/);
    assert.match(block, /value="\$\{\{db\.DATABASE_URL\}\}"/);
  });

  it('does not deploy a webhook push whose changed files miss every watch path, and says why', async () => {
    const { webhookSecret } = (await api('GET', `/api/v1/services/${serviceId}/git`)).json();
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: 'b'.repeat(40),
      head_commit: { message: 'Docs', author: { name: 'A', email: 'a@example.com' } },
      commits: [{ id: 'b'.repeat(40), added: ['docs/guide.md'], modified: ['README.md'], removed: [] }],
    });
    const signature = `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`;
    const res = await t.app.inject({
      method: 'POST',
      url: `/hooks/services/${serviceId}/git`,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'delivery-watch-1',
        'x-hub-signature-256': signature,
      },
      payload: body,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().outcome, 'ignored: no changed file matches the watch paths of berth.json (src/**)');
    assert.equal(res.json().deploymentId, null);
    const rows = await t.db.selectFrom('deployments').select('id').where('service_id', '=', serviceId).execute();
    assert.deepEqual(
      rows.map((r) => r.id),
      ['dep_configfile1'],
      'no deployment was queued',
    );
  });
});
