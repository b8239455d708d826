import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { databaseReferences } from '../../src/databases/references.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { resolveVariables, setVariables } from '../../src/projects/variables.service.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { assertBadInput } from '../helpers/refusals.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf } from '../helpers/inject-client.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

async function apiClient(t: TestApp) {
  const admin = await seedAdmin(t.db);
  const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
  return (method: Method, url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
}

// Public IP literals: validation needs no DNS answer, and nothing in these tests ever connects.
const PUBLIC_GIT = 'https://1.1.1.1/acme/web.git';

describe('services API', () => {
  let t: TestApp;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let projectId: string;
  before(async () => {
    t = await createTestApp({ env: { BERTH_APPS_DOMAIN: 'apps.example.com', BERTH_HTTP_PORT: '8080' } });
    api = await apiClient(t);
    projectId = (await api('POST', '/api/v1/projects', { name: 'shop' })).json().id;
  });
  after(() => t.close());

  const create = (body: unknown) => api('POST', `/api/v1/projects/${projectId}/services`, body);

  it('creates services from each source type, with defaults and a URL', async () => {
    const git = await create({ name: 'web', source: { type: 'git', url: PUBLIC_GIT, branch: 'main' } });
    assert.equal(git.statusCode, 201, git.body);
    const service = git.json();
    assert.match(service.id, /^svc_[0-9a-z]+$/);
    assert.deepEqual(service.source, { type: 'git', url: PUBLIC_GIT, branch: 'main', credentials: null });
    assert.equal(service.url, 'http://web-shop.apps.example.com:8080');
    assert.equal(service.port, null, "no port set: each deploy uses the image's EXPOSE, else 3000");
    assert.equal(service.replicas, 1);
    assert.deepEqual(service.healthcheck, { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 60 });
    assert.equal(service.releaseCommand, null);
    const env = await t.db
      .selectFrom('environments')
      .selectAll()
      .where('id', '=', service.environmentId)
      .executeTakeFirst();
    assert.equal(env?.name, 'production');

    const image = await create({ name: 'cache', source: { type: 'image', image: 'nginx:1.27' }, port: 80 });
    assert.equal(image.statusCode, 201, image.body);
    assert.deepEqual(image.json().source, { type: 'image', image: 'nginx:1.27' });
    assert.equal(image.json().port, 80);

    const push = await create({
      name: 'worker',
      source: { type: 'push' },
      healthcheck: { type: 'tcp', timeoutSeconds: 30 },
      replicas: 2,
    });
    assert.equal(push.statusCode, 201, push.body);
    assert.deepEqual(push.json().source, { type: 'push', branch: 'main' });
    assert.deepEqual(push.json().healthcheck, { type: 'tcp', timeoutSeconds: 30 });

    const list = await api('GET', `/api/v1/projects/${projectId}/services`);
    assert.deepEqual(
      list.json().map((s: { name: string }) => s.name),
      ['web', 'cache', 'worker'],
    );
    assert.equal((await api('GET', `/api/v1/projects/${projectId}`)).json().serviceCount, 3);
    assert.equal((await api('GET', `/api/v1/services/${service.id}`)).json().name, 'web');
  });

  it('refuses bad sources with 400 without connecting anywhere', async () => {
    const sources = [
      { type: 'git', url: 'file:///etc', branch: 'main' },
      { type: 'git', url: 'http://169.254.169.254/', branch: 'main' },
      { type: 'git', url: 'https://169.254.169.254/latest/meta-data.git', branch: 'main' },
      { type: 'git', url: 'https://127.0.0.1/repo.git', branch: 'main' },
      { type: 'git', url: 'ext::sh -c touch% /tmp/x', branch: 'main' },
      { type: 'git', url: '--upload-pack=touch /tmp/x', branch: 'main' },
      { type: 'git', url: PUBLIC_GIT, branch: '; touch /tmp/x' },
      { type: 'git', url: PUBLIC_GIT, branch: '--upload-pack=x' },
      { type: 'git', url: PUBLIC_GIT, branch: '$(id)' },
      { type: 'image', image: '$(id)' },
      { type: 'image', image: '--privileged' },
      { type: 'image', image: '169.254.169.254/x:1' },
      { type: 'ftp', url: 'ftp://x' },
      { type: 'git' },
      { type: 'image', image: 'nginx', extra: 1 },
    ];
    for (const source of sources) {
      const res = await create({ name: 'bad', source });
      assertBadInput(res, JSON.stringify(source));
    }
    assert.equal((await create({ name: 'bad' })).statusCode, 400, 'a source is required');
    const rows = await t.db.selectFrom('services').select('name').where('name', '=', 'bad').execute();
    assert.equal(rows.length, 0);
  });

  it('refuses bad, reserved, duplicate and clashing service names', async () => {
    const image = { type: 'image', image: 'nginx:1.27' };
    for (const name of ['; touch /tmp/x', '$(id)', '--upload-pack=x', 'UPPER', 'a'.repeat(64)]) {
      const res = await create({ name, source: image });
      assertBadInput(res, name);
    }
    const reserved = await create({ name: 'api', source: image });
    assert.equal(reserved.statusCode, 409);
    assert.equal(reserved.json().error.code, 'NAME_RESERVED');

    assert.equal((await create({ name: 'dup', source: image })).statusCode, 201);
    const dup = await create({ name: 'dup', source: image });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'SERVICE_NAME_TAKEN');

    // "a-b" in "shop" and "a" in "b-shop" would both be a-b-shop.<apps domain>.
    assert.equal((await create({ name: 'a-b', source: image })).statusCode, 201);
    const other = (await api('POST', '/api/v1/projects', { name: 'b-shop' })).json();
    const clash = await api('POST', `/api/v1/projects/${other.id}/services`, { name: 'a', source: image });
    assert.equal(clash.statusCode, 409);
    assert.equal(clash.json().error.code, 'HOSTNAME_TAKEN');

    // The hostname label <service>-<project> must fit in 63 characters.
    const long = await create({ name: 'x'.repeat(60), source: image });
    assert.equal(long.statusCode, 422);
    assert.match(long.json().error.message, /at most 58/);
  });

  it('patches settings, merging health check and resources', async () => {
    const created = await create({ name: 'tune', source: { type: 'image', image: 'nginx:1.27' } });
    const id = created.json().id;
    const patch = (body: unknown) => api('PATCH', `/api/v1/services/${id}`, body);

    let res = await patch({ port: 8080, healthcheck: { path: '/up' }, replicas: 3 });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().port, 8080);
    assert.equal(res.json().replicas, 3);
    assert.deepEqual(res.json().healthcheck, { type: 'http', path: '/up', expectedStatus: 200, timeoutSeconds: 60 });

    res = await patch({
      resources: { memoryMb: 512, cpus: 0.5 },
      build: { dockerfilePath: 'docker/Dockerfile.prod', context: 'apps/web', buildArgs: { NODE_ENV: 'production' } },
      releaseCommand: 'npm run migrate -- --force',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().resources, { memoryMb: 512, cpus: 0.5 });
    assert.deepEqual(res.json().build, {
      dockerfilePath: 'docker/Dockerfile.prod',
      context: 'apps/web',
      buildArgs: { NODE_ENV: 'production' },
    });
    assert.equal(res.json().releaseCommand, 'npm run migrate -- --force');

    res = await patch({ resources: { cpus: null }, healthcheck: { type: 'tcp' }, releaseCommand: null });
    assert.deepEqual(res.json().resources, { memoryMb: 512 });
    assert.deepEqual(res.json().healthcheck, { type: 'tcp', timeoutSeconds: 60 });
    assert.equal(res.json().releaseCommand, null);

    // A stored start command is set and cleared the same way (null: the image's own command again).
    res = await patch({ startCommand: 'node server.mjs --port 8080' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().startCommand, 'node server.mjs --port 8080');
    res = await patch({ startCommand: null });
    assert.equal(res.json().startCommand, null);

    res = await patch({ source: { type: 'git', url: PUBLIC_GIT, branch: 'release' } });
    assert.deepEqual(res.json().source, { type: 'git', url: PUBLIC_GIT, branch: 'release', credentials: null });
    assert.equal(res.json().port, 8080, 'other settings stay');
    res = await patch({ port: null });
    assert.equal(res.json().port, null, "a cleared port goes back to the image's");

    const stored = await api('GET', `/api/v1/services/${id}`);
    assert.deepEqual(stored.json().resources, { memoryMb: 512 });
  });

  it('refuses invalid settings with 400', async () => {
    const id = (await create({ name: 'strict', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    const bad: unknown[] = [
      { port: 0 },
      { port: 70000 },
      { port: '80' },
      { port: 80.5 },
      { replicas: 0 },
      { replicas: 11 },
      { healthcheck: { path: 'up' } },
      { healthcheck: { path: '/up;rm -rf /' } },
      { healthcheck: { path: '/up', expectedStatus: 99 } },
      { healthcheck: { timeoutSeconds: 601 } },
      { healthcheck: { type: 'udp' } },
      { resources: { memoryMb: 8 } },
      { resources: { memoryMb: 70000 } },
      { resources: { cpus: 0.01 } },
      { resources: { cpus: 65 } },
      { build: { context: '../outside' } },
      { build: { context: '/etc' } },
      { build: { dockerfilePath: 'a/../../b' } },
      { build: { dockerfilePath: '-f' } },
      { build: { dockerfilePath: 'Docker file' } },
      { build: { buildArgs: { 'BAD-KEY': 'x' } } },
      { build: { buildArgs: { GOOD: 1 } } },
      { build: { buildpack: '../node' } },
      { releaseCommand: 'migrate\nrm -rf /' },
      { releaseCommand: 'x'.repeat(1001) },
      { name: 'rename' },
      { unknown: true },
    ];
    for (const body of bad) {
      const res = await api('PATCH', `/api/v1/services/${id}`, body);
      assertBadInput(res, JSON.stringify(body).slice(0, 80));
    }
    const unchanged = (await api('GET', `/api/v1/services/${id}`)).json();
    assert.equal(unchanged.port, null);
    assert.deepEqual(unchanged.build, {});
    assert.equal((await api('PATCH', '/api/v1/services/svc_nothing', { port: 80 })).statusCode, 404);
  });

  it('round-trips variables byte for byte and stores them encrypted', async () => {
    const id = (await create({ name: 'vars', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    const variables = {
      MULTILINE: 'line1\nline2\r\nline3\n',
      DOLLAR: '$HOME ${X} $(id) `id` $$',
      QUOTES: `it's "double" and 'single' \\" \\\\`,
      REFERENCE: '${{postgres.DATABASE_URL}}',
      UNICODE: 'héllo 🚢 \t tab',
      EMPTY: '',
      BIG: 'x'.repeat(64 * 1024),
      SECRET_TOKEN: 'plaintext-canary-4b1d',
    };
    // A reference must name an existing service and variable; it is stored as typed (resolved at deploy).
    const postgres = (await create({ name: 'postgres', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    await api('PUT', `/api/v1/services/${postgres}/variables`, { DATABASE_URL: 'postgresql://x' });
    const put = await api('PUT', `/api/v1/services/${id}/variables`, variables);
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), variables);
    assert.equal(put.headers['cache-control'], 'no-store');

    const got = await api('GET', `/api/v1/services/${id}/variables`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), variables);
    for (const [key, value] of Object.entries(variables)) assert.equal(got.json()[key], value, key);

    const rows = await t.db.selectFrom('variables').selectAll().where('service_id', '=', id).execute();
    assert.equal(rows.length, Object.keys(variables).length);
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes('plaintext-canary'), 'no plaintext in the rows');
    assert.ok(!dump.includes('line1'), 'no plaintext in the rows');
    for (const row of rows) assert.match(row.value_encrypted, /^v1\./);

    const replaced = await api('PUT', `/api/v1/services/${id}/variables`, { ONLY: 'one' });
    assert.deepEqual(replaced.json(), { ONLY: 'one' });
    assert.deepEqual((await api('GET', `/api/v1/services/${id}/variables`)).json(), { ONLY: 'one' });
    assert.deepEqual((await api('PUT', `/api/v1/services/${id}/variables`, {})).json(), {});
  });

  it('refuses bad variable keys and values', async () => {
    const id = (await create({ name: 'badvars', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    const bad: unknown[] = [
      { '1BAD': 'x' },
      { 'MY-KEY': 'x' },
      { 'A B': 'x' },
      { '': 'x' },
      { ['K'.repeat(129)]: 'x' },
      { TOO_BIG: 'x'.repeat(64 * 1024 + 1) },
      { NUL: 'a\u0000b' },
      { NUMBER: 5 },
      { NESTED: { a: 1 } },
    ];
    for (const body of bad) {
      const res = await api('PUT', `/api/v1/services/${id}/variables`, body);
      assertBadInput(res, JSON.stringify(body).slice(0, 60));
    }
    assert.equal((await api('PUT', '/api/v1/services/svc_nothing/variables', { A: 'b' })).statusCode, 404);
  });

  it('resolves plain variables for the deploy runner', async () => {
    const id = (await create({ name: 'resolve', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    const secretBox = new SecretBox(randomBytes(32).toString('base64url'));
    const deps = { db: t.db, secretBox, databases: databaseReferences(secretBox) };
    await assert.rejects(setVariables(deps, id, [['REF', '${{refdb.URL}}']]), /no other service named "refdb"/);
    const other = (await create({ name: 'refdb', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    await setVariables(deps, other, [['URL', 'postgres://refdb/x']]);
    await setVariables(deps, id, [
      ['A', 'one\ntwo'],
      ['REF', 'url=${{refdb.URL}}'],
      ['LITERAL', '${{not.a.ref}}'],
    ]);
    assert.deepEqual(await resolveVariables(deps, id), {
      A: 'one\ntwo',
      LITERAL: '${{not.a.ref}}',
      REF: 'url=postgres://refdb/x',
    });
    assert.deepEqual(await resolveVariables(deps, 'svc_nothing'), {});
  });

  it('deletes a service with its variables', async () => {
    const id = (await create({ name: 'doomed', source: { type: 'image', image: 'nginx:1.27' } })).json().id;
    await api('PUT', `/api/v1/services/${id}/variables`, { A: 'b' });
    const refused = await api('DELETE', `/api/v1/services/${id}`);
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().error.code, 'CONFIRMATION_REQUIRED');
    assert.equal((await api('DELETE', `/api/v1/services/${id}`, { confirm: 'doomed' })).statusCode, 200);
    assert.equal((await api('GET', `/api/v1/services/${id}`)).statusCode, 404);
    const rows = await t.db.selectFrom('variables').selectAll().where('service_id', '=', id).execute();
    assert.equal(rows.length, 0);
  });
});

describe('private sources', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BERTH_ALLOW_PRIVATE_SOURCES: 'true' } });
  });
  after(() => t.close());

  it('accepts loopback git servers when allowed, never link-local', async () => {
    const api = await apiClient(t);
    const project = (await api('POST', '/api/v1/projects', { name: 'local' })).json();
    const create = (source: unknown) => api('POST', `/api/v1/projects/${project.id}/services`, { name: 'web', source });
    const metadata = await create({ type: 'git', url: 'http://169.254.169.254/repo.git', branch: 'main' });
    assert.equal(metadata.statusCode, 422);
    const local = await create({ type: 'git', url: 'http://127.0.0.1:9/repo.git', branch: 'main' });
    assert.equal(local.statusCode, 201, local.body);
    assert.equal(local.json().url, 'http://web-local.localhost');
  });
});

describe('services in the panel', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
  });
  after(() => t.close());

  async function newProject(client: Awaited<ReturnType<typeof signedInClient>>, name: string) {
    const list = await client.get('/projects');
    const created = await client.postForm('/projects', { _csrf: csrfTokenOf(list.body), name });
    return String(created.headers.location);
  }

  it('creates a service from the project page, shows its card, settings and variables', async () => {
    const client = await signedInClient(t.app);
    const projectUrl = await newProject(client, 'board');
    const page = await client.get(projectUrl);
    assert.match(page.body, /\+ New/);
    const form = { _csrf: csrfTokenOf(page.body), name: 'web', sourceType: 'git', gitUrl: PUBLIC_GIT, branch: 'main' };

    const bad = await client.postForm(
      `${projectUrl}/services`,
      { ...form, gitUrl: 'file:///etc' },
      { 'hx-request': 'true' },
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="service-error"/);
    assert.match(bad.body, /file:\/\//);
    assert.doesNotMatch(bad.body, /<html/);

    const created = await client.postForm(`${projectUrl}/services`, form);
    assert.equal(created.statusCode, 303);
    const serviceUrl = String(created.headers.location);
    const serviceId = serviceUrl.split('/').pop()!;
    assert.match(serviceId, /^svc_/);

    const servicePage = await client.get(serviceUrl);
    assert.equal(servicePage.statusCode, 200);
    assert.match(servicePage.body, /Service &quot;web&quot; created|Service "web" created/);
    assert.match(servicePage.body, /<section id="deployments"/);
    // Settings and variables are tabs with their own URLs.
    assert.match(servicePage.body, new RegExp(`href="/services/${serviceId}/settings" id="tab-settings"`));
    assert.match((await client.get(`${serviceUrl}/settings`)).body, /id="settings"/);
    assert.match((await client.get(`${serviceUrl}/variables`)).body, /id="variables"/);
    assert.match(servicePage.body, /http:\/\/web-board\.localhost/);

    const projectPage = await client.get(projectUrl);
    assert.match(projectPage.body, new RegExp(`id="tile-${serviceId}"[^>]*data-live="service:${serviceId}"`));
    assert.match(projectPage.body, /data-status="not deployed"/);
    assert.match(projectPage.body, /href="http:\/\/web-board\.localhost"/);
    assert.match(projectPage.body, /1\.1\.1\.1\/acme\/web\.git \(main\)/);

    const dup = await client.postForm(`${projectUrl}/services`, form, { 'hx-request': 'true' });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /already has a service named/);
  });

  it('saves settings from the form and shows field errors', async () => {
    const client = await signedInClient(t.app);
    const projectUrl = await newProject(client, 'settings');
    const page = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(page.body),
      name: 'api-server',
      sourceType: 'image',
      image: 'nginx:1.27',
      branch: '',
    });
    const serviceUrl = String(created.headers.location);
    const servicePage = await client.get(`${serviceUrl}/settings`);
    const fields = {
      _csrf: csrfTokenOf(servicePage.body),
      sourceType: 'image',
      image: 'nginx:1.27',
      gitUrl: '',
      branch: 'main',
      port: '8080',
      replicas: '2',
      healthcheckType: 'http',
      healthcheckPath: '/healthz',
      healthcheckStatus: '204',
      healthcheckTimeout: '30',
      memoryMb: '256',
      cpus: '',
      dockerfilePath: '',
      buildContext: '',
      buildpack: '',
      buildArgs: 'NODE_ENV=production\r\nGREETING="hi there"',
      releaseCommand: 'npm run migrate',
    };
    const bad = await client.postForm(
      `${serviceUrl}/settings`,
      { ...fields, port: '70000', healthcheckPath: 'x' },
      {
        'hx-request': 'true',
      },
    );
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="settings-error"/);
    assert.match(bad.body, /class="field-error">must be a whole number from 1 to 65535/);
    assert.match(bad.body, /value="70000"/, 'what was typed stays');

    const saved = await client.postForm(`${serviceUrl}/settings`, fields);
    assert.equal(saved.statusCode, 303);
    const id = serviceUrl.split('/').pop()!;
    const row = await t.db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.port, 8080);
    assert.equal(row.replicas, 2);
    assert.deepEqual(JSON.parse(row.healthcheck), {
      type: 'http',
      path: '/healthz',
      expectedStatus: 204,
      timeoutSeconds: 30,
    });
    assert.deepEqual(JSON.parse(row.resources), { memoryMb: 256 });
    assert.deepEqual(JSON.parse(row.build), { buildArgs: { NODE_ENV: 'production', GREETING: 'hi there' } });
    assert.equal(row.release_command, 'npm run migrate');
    const after = await client.get(`${serviceUrl}/settings`);
    assert.match(after.body, /Settings saved/);
    assert.match(after.body, /name="port" min="1" max="65535" placeholder="[^"]*" value="8080"/);
  });

  it('imports a pasted .env, lists keys with masked values, reveals one on request', async () => {
    const client = await signedInClient(t.app);
    const projectUrl = await newProject(client, 'env');
    const page = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(page.body),
      name: 'web',
      sourceType: 'push',
      branch: 'main',
    });
    const serviceUrl = String(created.headers.location);
    const serviceId = serviceUrl.split('/').pop()!;
    const csrf = csrfTokenOf((await client.get(serviceUrl)).body);

    const broken = await client.postForm(
      `${serviceUrl}/variables/import`,
      { _csrf: csrf, dotenv: 'A=1\nB="open' },
      {
        'hx-request': 'true',
      },
    );
    assert.equal(broken.statusCode, 422);
    assert.match(broken.body, /id="dotenv-error">Line 2: the value of B opens a double quote/);

    const dotenv =
      '# pasted\r\nexport DATABASE_URL=postgres://u:p@db/app\r\nMULTI="a\\nb $HOME"\r\nSECRET=canary-9f2e # note\r\n';
    const imported = await client.postForm(`${serviceUrl}/variables/import`, { _csrf: csrf, dotenv });
    assert.equal(imported.statusCode, 303);

    const listed = await client.get(`${serviceUrl}/variables`);
    assert.match(listed.body, /3 variables saved/);
    for (const key of ['DATABASE_URL', 'MULTI', 'SECRET']) assert.match(listed.body, new RegExp(`id="var-${key}"`));
    assert.ok(!listed.body.includes('canary-9f2e'), 'values are masked in the list');
    assert.ok(!listed.body.includes('postgres://u:p@db/app'));

    const revealed = await client.postForm(
      `${serviceUrl}/variables/reveal`,
      { _csrf: csrf, key: 'MULTI' },
      {
        'hx-request': 'true',
      },
    );
    assert.equal(revealed.statusCode, 200);
    assert.equal(revealed.headers['cache-control'], 'no-store');
    assert.match(revealed.body, /^<tr id="var-MULTI">/);
    assert.match(revealed.body, /<pre class="secret revealed">a\nb \$HOME<\/pre>/);

    const fullPage = await client.postForm(`${serviceUrl}/variables/reveal`, { _csrf: csrf, key: 'SECRET' });
    assert.equal(fullPage.statusCode, 200);
    assert.match(fullPage.body, /<html/);
    assert.match(fullPage.body, /canary-9f2e/);
    assert.ok(!fullPage.body.includes('postgres://u:p@db/app'), 'only the asked value is shown');

    const noCsrf = await client.postForm(`${serviceUrl}/variables/reveal`, { key: 'SECRET' });
    assert.equal(noCsrf.statusCode, 403);

    // One variable from the form: the textarea's CRLF becomes LF.
    const single = await client.postForm(`${serviceUrl}/variables`, {
      _csrf: csrf,
      key: 'GREETING',
      value: 'hi\r\nthere "you"',
    });
    assert.equal(single.statusCode, 303);
    const box = await client.postForm(
      `${serviceUrl}/variables/reveal`,
      { _csrf: csrf, key: 'GREETING' },
      {
        'hx-request': 'true',
      },
    );
    assert.match(box.body, /hi\nthere &quot;you&quot;/);

    const badKey = await client.postForm(
      `${serviceUrl}/variables`,
      { _csrf: csrf, key: '1BAD', value: 'x' },
      {
        'hx-request': 'true',
      },
    );
    assert.equal(badKey.statusCode, 422);
    assert.match(badKey.body, /id="variable-error"/);

    const replaced = await client.postForm(`${serviceUrl}/variables/import`, {
      _csrf: csrf,
      dotenv: 'ONLY=1',
      replace: 'on',
    });
    assert.equal(replaced.statusCode, 303);
    const keys = await t.db.selectFrom('variables').select('key').where('service_id', '=', serviceId).execute();
    assert.deepEqual(
      keys.map((k) => k.key),
      ['ONLY'],
    );

    const deleted = await client.postForm(`${serviceUrl}/variables/delete`, { _csrf: csrf, key: 'ONLY' });
    assert.equal(deleted.statusCode, 303);
    assert.match((await client.get(`${serviceUrl}/variables`)).body, /id="no-variables"/);
  });

  it('marks a variable secret from the panel (checkbox and toggle) and through the API', async () => {
    const client = await signedInClient(t.app);
    const projectUrl = await newProject(client, 'secrets');
    const page = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(page.body),
      name: 'web',
      sourceType: 'push',
      branch: 'main',
    });
    const serviceUrl = String(created.headers.location);
    const serviceId = serviceUrl.split('/').pop()!;
    const csrf = csrfTokenOf((await client.get(serviceUrl)).body);
    const admin = await t.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id, 'secrets')}` };
    const api = (method: Method, url: string, payload?: object) => t.app.inject({ method, url, headers, payload });
    const keys = async () =>
      (await api('GET', `/api/v1/services/${serviceId}/variables/keys`))
        .json()
        .map((k: { key: string; secret: boolean }) => `${k.key}:${k.secret}`);

    assert.match((await client.get(`${serviceUrl}/variables`)).body, /<input type="checkbox" name="secret"/);
    await client.postForm(`${serviceUrl}/variables`, {
      _csrf: csrf,
      key: 'LICENSE',
      value: 'abc-123-def',
      secret: 'on',
    });
    await client.postForm(`${serviceUrl}/variables`, { _csrf: csrf, key: 'NODE_ENV', value: 'production' });
    assert.deepEqual(await keys(), ['LICENSE:true', 'NODE_ENV:false']);
    const listed = (await client.get(`${serviceUrl}/variables`)).body;
    assert.match(listed, /<code>LICENSE<\/code> <span class="badge"[^>]*>secret<\/span>/);
    assert.doesNotMatch(listed, /<code>NODE_ENV<\/code> <span class="badge"/);

    const toggled = await client.postForm(`${serviceUrl}/variables/secret`, {
      _csrf: csrf,
      key: 'NODE_ENV',
      secret: 'on',
    });
    assert.equal(toggled.statusCode, 303);
    await client.postForm(`${serviceUrl}/variables/secret`, { _csrf: csrf, key: 'LICENSE' });
    assert.deepEqual(await keys(), ['LICENSE:false', 'NODE_ENV:true']);

    // The API: {value, secret} sets the flag; a plain value keeps the stored one.
    const put = await api('PUT', `/api/v1/services/${serviceId}/variables`, {
      LICENSE: { value: 'abc-123-def', secret: true },
      NODE_ENV: 'production',
    });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { LICENSE: 'abc-123-def', NODE_ENV: 'production' });
    assert.deepEqual(await keys(), ['LICENSE:true', 'NODE_ENV:true']);
    const bad = await api('PUT', `/api/v1/services/${serviceId}/variables`, { A: { value: 'x', secret: 'yes' } });
    assert.equal(bad.statusCode, 400);
  });

  it('deletes a service from its page', async () => {
    const client = await signedInClient(t.app);
    const projectUrl = await newProject(client, 'deleting');
    const page = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(page.body),
      name: 'web',
      sourceType: 'image',
      image: 'nginx:1.27',
    });
    const serviceUrl = String(created.headers.location);
    const servicePage = await client.get(`${serviceUrl}/settings`);
    assert.match(
      servicePage.body,
      /http:\/\/web-deleting\.[^<]*<\/a><\/li>/,
      'the delete form says which URL goes offline',
    );
    const refused = await client.postForm(`${serviceUrl}/delete`, {
      _csrf: csrfTokenOf(servicePage.body),
      confirm: 'wbe',
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="delete-error"/);
    assert.equal((await client.get(serviceUrl)).statusCode, 200, 'a wrong confirmation deletes nothing');
    const deleted = await client.postForm(`${serviceUrl}/delete`, {
      _csrf: csrfTokenOf(servicePage.body),
      confirm: 'web',
    });
    assert.equal(deleted.statusCode, 303);
    assert.equal(deleted.headers.location, projectUrl);
    const after = await client.get(projectUrl);
    assert.match(
      after.body,
      /Service &quot;web&quot; deleted: Stopped routing web-deleting\.|Service "web" deleted: Stopped routing web-deleting\./,
    );
    assert.equal((await client.get(serviceUrl)).statusCode, 404);
  });
});
