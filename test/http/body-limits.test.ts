/**
 * Body limits on the real app: a body over a route's limit is answered 413 (not a validation 400), and each
 * route group's limit is the smallest that serves it: a login form gets a few kilobytes, a project name
 * 64 KB, a service's variables a megabyte.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedAdmin, tokenFor } from '../helpers/accounts.js';
import { InjectClient } from '../helpers/inject-client.js';

describe('body limits', () => {
  let t: TestApp;
  let token: string;
  let serviceId: string;
  before(async () => {
    t = await createTestApp();
    token = await tokenFor(t.db, (await seedAdmin(t.db)).id);
    // A real service: an unknown one is answered 404 before its body is read (the permission check).
    const project = await t.ctx.projects.create('limits');
    serviceId = (
      await t.ctx.projects.createService(project.id, { name: 'web', source: { type: 'image', image: 'nginx:1' } })
    ).id;
  });
  after(() => t.close());

  const json = (method: 'POST' | 'PUT', url: string, bytes: number) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(bytes) }),
    });

  it('answers 413 to a login form of 8 KB', async () => {
    const client = new InjectClient(t.app, '10.5.0.1');
    const csrf = await client.csrfFrom('/login');
    const res = await client.postForm('/login', {
      _csrf: csrf,
      email: 'a@example.com',
      password: 'p'.repeat(8 * 1024),
    });
    assert.equal(res.statusCode, 413);
    assert.match(res.body, /larger than/);
  });

  it('answers 413 with PAYLOAD_TOO_LARGE to a 100 KB project, and 2 MB variables', async () => {
    const project = await json('POST', '/api/v1/projects', 100 * 1024);
    assert.equal(project.statusCode, 413);
    assert.equal(project.json().error.code, 'PAYLOAD_TOO_LARGE');
    const variables = await json('PUT', `/api/v1/services/${serviceId}/variables`, 2 * 1024 * 1024);
    assert.equal(variables.statusCode, 413);
  });

  it('still reads what a route needs: half a megabyte of variables passes the limit', async () => {
    const variables = await json('PUT', `/api/v1/services/${serviceId}/variables`, 512 * 1024);
    assert.notEqual(variables.statusCode, 413);
    assert.equal(variables.statusCode, 422, 'read and answered: "name" holds no valid variable value');
  });
});
