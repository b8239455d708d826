import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

interface Item {
  kind: string;
  label: string;
  detail: string;
  url: string;
}

describe('command palette index (GET /palette.json)', () => {
  let t: TestApp;
  let projectId: string;
  let serviceId: string;
  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const post = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, headers, payload })).json<{ id: string }>();
    projectId = (await post('/api/v1/projects', { name: 'shop' })).id;
    serviceId = (
      await post(`/api/v1/projects/${projectId}/services`, {
        name: 'web',
        source: { type: 'image', image: 'nginx:1.27' },
      })
    ).id;
  });
  after(() => t.close());

  it('lists the pages, each project and each service with where it lives', async () => {
    const client = await signedInClient(t.app);
    const res = await client.get('/palette.json');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['cache-control']), /no-store/);
    const items = res.json<{ items: Item[] }>().items;
    const find = (label: string) => items.find((i) => i.label === label);
    assert.deepEqual(find('Dashboard'), { kind: 'page', label: 'Dashboard', detail: 'page', url: '/' });
    assert.deepEqual(find('shop'), {
      kind: 'project',
      label: 'shop',
      detail: 'project',
      url: `/projects/${projectId}`,
    });
    assert.deepEqual(find('web'), {
      kind: 'service',
      label: 'web',
      detail: 'shop / service',
      url: `/services/${serviceId}`,
    });
    assert.equal(find('web logs')?.url, `/services/${serviceId}/logs`);
    assert.ok(find('SSH keys') && find('API docs') && find('Notifications'));
  });

  it('is behind the session: signed out, it sends the browser to the login page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/palette.json' });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /^\/login\?next=/);
  });
});
