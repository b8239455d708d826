import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf } from '../helpers/inject-client.js';

describe('projects API', () => {
  let t: TestApp;
  let auth: { authorization: string };
  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    auth = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
  });
  after(() => t.close());

  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('creates a project with a production environment and a derived network name', async () => {
    const res = await api('POST', '/api/v1/projects', { name: 'shop' });
    assert.equal(res.statusCode, 201);
    const project = res.json();
    assert.match(project.id, /^prj_[0-9a-z]+$/);
    assert.equal(project.name, 'shop');
    assert.equal(project.networkName, `berth-${project.id}`);
    assert.equal(project.serviceCount, 0);
    assert.deepEqual(
      project.environments.map((e: { name: string }) => e.name),
      ['production'],
    );
    const rows = await t.db.selectFrom('environments').selectAll().where('project_id', '=', project.id).execute();
    assert.equal(rows.length, 1);

    const got = await api('GET', `/api/v1/projects/${project.id}`);
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().name, 'shop');
    const list = await api('GET', '/api/v1/projects');
    assert.ok(list.json().some((p: { id: string }) => p.id === project.id));
  });

  it('refuses a duplicate name with 409 PROJECT_NAME_TAKEN', async () => {
    assert.equal((await api('POST', '/api/v1/projects', { name: 'dup' })).statusCode, 201);
    const res = await api('POST', '/api/v1/projects', { name: 'dup' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'PROJECT_NAME_TAKEN');
  });

  it('refuses reserved names with 409 NAME_RESERVED', async () => {
    for (const name of ['berth', 'admin', 'api', 'localhost']) {
      const res = await api('POST', '/api/v1/projects', { name });
      assert.equal(res.statusCode, 409, name);
      assert.equal(res.json().error.code, 'NAME_RESERVED');
    }
  });

  it('refuses bad names with 400 and says what is allowed', async () => {
    for (const name of ['; touch /tmp/x', '$(id)', '--upload-pack=x', 'UPPER', 'a'.repeat(64), '', 'web-', 'a--b']) {
      const res = await api('POST', '/api/v1/projects', { name });
      assert.equal(res.statusCode, 422, JSON.stringify(name));
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.match(res.json().error.message, /lowercase letters/);
    }
    for (const payload of [{}, { name: 7 }, { name: 'ok', extra: true }]) {
      const res = await api('POST', '/api/v1/projects', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
    }
    const count = await t.db.selectFrom('projects').select('name').execute();
    assert.ok(!count.some((p) => /touch|\$|upload/.test(p.name)));
  });

  it('deletes a project only when its name is typed, with the services in it', async () => {
    const empty = (await api('POST', '/api/v1/projects', { name: 'temp' })).json();
    const unconfirmed = await api('DELETE', `/api/v1/projects/${empty.id}`);
    assert.equal(unconfirmed.statusCode, 400);
    assert.equal(unconfirmed.json().error.code, 'CONFIRMATION_REQUIRED');
    const del = await api('DELETE', `/api/v1/projects/${empty.id}`, { confirm: 'temp' });
    assert.equal(del.statusCode, 200, del.body);
    assert.equal((await api('GET', `/api/v1/projects/${empty.id}`)).statusCode, 404);
    assert.equal((await api('DELETE', `/api/v1/projects/${empty.id}`, { confirm: 'temp' })).statusCode, 404);

    const full = (await api('POST', '/api/v1/projects', { name: 'full' })).json();
    const svc = await api('POST', `/api/v1/projects/${full.id}/services`, {
      name: 'web',
      source: { type: 'image', image: 'nginx:1.27' },
    });
    assert.equal(svc.statusCode, 201);
    const wrong = await api('DELETE', `/api/v1/projects/${full.id}`, { confirm: 'ful' });
    assert.equal(wrong.statusCode, 400);
    assert.equal((await api('GET', `/api/v1/services/${svc.json().id}`)).statusCode, 200, 'nothing was deleted');
    const gone = await api('DELETE', `/api/v1/projects/${full.id}`, { confirm: 'full' });
    assert.equal(gone.statusCode, 200, gone.body);
    assert.equal((await api('GET', `/api/v1/services/${svc.json().id}`)).statusCode, 404);
  });

  it('answers 404 for unknown projects and 401 without a token', async () => {
    assert.equal((await api('GET', '/api/v1/projects/prj_nothing')).statusCode, 404);
    assert.equal((await api('GET', '/api/v1/projects/prj_nothing/services')).statusCode, 404);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/projects', payload: { name: 'x' } });
    assert.equal(anonymous.statusCode, 401);
  });

  it('documents the routes and shapes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/v1/projects',
      '/api/v1/projects/{id}',
      '/api/v1/projects/{id}/services',
      '/api/v1/services/{id}',
      '/api/v1/services/{id}/variables',
    ]) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.ok(doc.paths['/api/v1/projects'].post.requestBody);
    assert.ok(doc.paths['/api/v1/services/{id}'].patch.requestBody);
    assert.ok(doc.paths['/api/v1/services/{id}/variables'].put.requestBody);
    assert.ok(doc.components.schemas.Project, 'Project schema is published by name');
    assert.ok(doc.components.schemas.Service);
    assert.equal(doc.paths['/projects'], undefined, 'panel routes stay out of the API document');
  });
});

describe('projects in the panel', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
  });
  after(() => t.close());

  it('shows the empty state with a create form, then lists the new project', async () => {
    const client = await signedInClient(t.app);
    const empty = await client.get('/projects');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /Create your first project/);
    assert.match(empty.body, /action="\/projects"/);

    const created = await client.postForm('/projects', { _csrf: csrfTokenOf(empty.body), name: 'blog' });
    assert.equal(created.statusCode, 303);
    const location = String(created.headers.location);
    assert.match(location, /^\/projects\/prj_[0-9a-z]+$/);

    const page = await client.get(location);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>blog<\/h1>/);
    assert.match(page.body, /Project &quot;blog&quot; created|Project "blog" created/);
    assert.match(page.body, /No services yet/);
    assert.match(page.body, /production/);

    const list = await client.get('/projects');
    assert.doesNotMatch(list.body, /Create your first project/);
    assert.match(list.body, /class="card project-card"/);
    assert.match(list.body, />blog<\/a>/);
    assert.match(list.body, /No services yet/);
  });

  it('refuses a form without a CSRF token', async () => {
    const client = await signedInClient(t.app);
    const res = await client.postForm('/projects', { name: 'nocsrf' });
    assert.equal(res.statusCode, 403);
    const rows = await t.db.selectFrom('projects').select('name').where('name', '=', 'nocsrf').execute();
    assert.equal(rows.length, 0);
  });

  it('shows validation errors in the form (htmx gets the partial with 400/409)', async () => {
    const client = await signedInClient(t.app);
    const page = await client.get('/projects');
    const csrf = csrfTokenOf(page.body);
    const bad = await client.postForm('/projects', { _csrf: csrf, name: '$(id)' }, { 'hx-request': 'true' });
    assert.equal(bad.statusCode, 422);
    assert.doesNotMatch(bad.body, /<html/);
    assert.match(bad.body, /id="project-error"/);
    assert.match(bad.body, /lowercase letters/);
    assert.match(bad.body, /value="\$\(id\)"/, 'what was typed stays in the field');
    assert.equal(bad.headers['hx-push-url'], 'false');

    const reserved = await client.postForm('/projects', { _csrf: csrf, name: 'admin' }, { 'hx-request': 'true' });
    assert.equal(reserved.statusCode, 409);
    assert.match(reserved.body, /reserved/);
  });

  it('requires a signed-in user', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/projects', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /^\/login/);
  });

  it('deletes an empty project from its page', async () => {
    const client = await signedInClient(t.app);
    const list = await client.get('/projects');
    const created = await client.postForm('/projects', { _csrf: csrfTokenOf(list.body), name: 'gone' });
    const page = await client.get(String(created.headers.location));
    const id = String(created.headers.location).split('/').pop();
    const refused = await client.postForm(`/projects/${id}/delete`, { _csrf: csrfTokenOf(page.body), confirm: 'nope' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /type the project&#39;s name|type the project's name/i);
    const del = await client.postForm(`/projects/${id}/delete`, { _csrf: csrfTokenOf(page.body), confirm: 'gone' });
    assert.equal(del.statusCode, 303);
    assert.equal((await client.get(`/projects/${id}`)).statusCode, 404);
  });
});
