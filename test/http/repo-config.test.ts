/**
 * Config as code over HTTP: the public JSON Schema, the `configFile` of the service and deployment reads,
 * the read-only "from berth.json" settings on the Settings tab, and a webhook push outside the watch paths.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { AppService } from '../../src/projects/service.types.js';
import { BERTH_SCHEMA } from '../../src/repo-config/berth-schema.js';
import { applyConfigFile } from '../../src/repo-config/deploy-hook.js';
import { recordConfigFile } from '../../src/repo-config/repo-config.repository.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

type Method = 'GET' | 'POST' | 'PATCH';
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

  it("takes preview settings from the production app's berth.json: they win, are read-only, and the next preview uses them", async () => {
    const project = (await api('GET', `/api/v1/services/${serviceId}`)).json().projectId as string;
    const created = await api('POST', `/api/v1/projects/${project}/services`, {
      name: 'backend',
      source: { type: 'git', url: PUBLIC_GIT, branch: 'main' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const apiService = (await t.ctx.projects.getService(created.json().id)) as AppService;
    await t.db
      .insertInto('deployments')
      .values({
        id: 'dep_previewfile1',
        service_id: apiService.id,
        status: 'active',
        trigger: 'manual',
        triggered_by: null,
        image: 'nginx:1.27',
        rollback_of: null,
        commit_sha: 'c'.repeat(40),
        created_at: new Date().toISOString(),
      })
      .execute();
    const patch = (body: object) => api('PATCH', `/api/v1/projects/${project}/preview-settings`, body);
    assert.equal((await patch({ enabled: true, ttlHours: 72, memoryMb: 512 })).statusCode, 200);
    // The deploy hook reads the pushed file and records it on the deployment.
    const dir = mkdtempSync(join(tmpdir(), 'berth-preview-file-'));
    writeFileSync(join(dir, 'berth.json'), JSON.stringify({ preview: { ttlHours: 6, memoryMb: 64 } }));
    const lines: string[] = [];
    await applyConfigFile(t.db, { deploymentId: 'dep_previewfile1', rollbackOf: null, service: apiService }, dir, (l) =>
      lines.push(l),
    );
    rmSync(dir, { recursive: true, force: true });
    assert.match(lines.join('\n'), /Using berth\.json: preview from the file/);

    const settings = (await api('GET', `/api/v1/projects/${project}/preview-settings`)).json();
    assert.deepEqual(settings, {
      enabled: true,
      ttlHours: 6,
      maxPreviews: 3,
      databases: 'empty',
      memoryMb: 64,
      allowForks: false,
      fromFile: { ttlHours: 'backend: berth.json', memoryMb: 'backend: berth.json' },
    });
    const refused = await patch({ ttlHours: 24 });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.match(refused.json().error.message, /ttlHours is set by the repository \(backend: berth\.json\)/);
    const fine = await patch({ maxPreviews: 5, ttlHours: 6 });
    assert.equal(fine.statusCode, 200, fine.body);
    assert.equal(fine.json().maxPreviews, 5);

    const client = await signedInClient(t.app);
    const page = await client.get(`/projects/${project}`);
    assert.match(page.body, /name="ttlHours"[^>]*value="6" disabled title="read-only: set in backend: berth\.json"/);
    assert.match(page.body, /name="maxPreviews"[^>]*value="5">/);
    const csrf = await client.csrfFrom(`/projects/${project}`);
    // The form does not send the read-only fields; the rest saves.
    const saved = await client.postForm(`/projects/${project}/preview-settings`, {
      _csrf: csrf,
      enabled: 'on',
      maxPreviews: '4',
      databases: 'empty',
    });
    assert.equal(saved.statusCode, 303);
    const after = (await api('GET', `/api/v1/projects/${project}/preview-settings`)).json();
    assert.deepEqual([after.maxPreviews, after.ttlHours, after.memoryMb], [4, 6, 64]);

    // The next preview lives 6 hours and caps its app containers at 64 MB.
    const started = Date.now();
    const preview = await t.ctx.previews.prepare({
      projectId: project,
      serviceId,
      branch: 'feature-ttl',
      triggeredBy: null,
    });
    assert.ok(preview);
    try {
      await preview.finish();
      const env = await t.db
        .selectFrom('environments')
        .select('expires_at')
        .where('name', '=', preview.name)
        .executeTakeFirstOrThrow();
      const ttlMs = Date.parse(env.expires_at!) - started;
      assert.ok(ttlMs > 5.9 * 3600_000 && ttlMs < 6.1 * 3600_000, `TTL ${ttlMs} ms`);
      const copy = await t.ctx.projects.getService(preview.target.id);
      assert.equal(copy.resources.memoryMb, 64);
    } finally {
      await t.ctx.previews.remove(project, preview.name);
    }
  });
});
