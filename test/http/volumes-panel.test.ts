/**
 * The Volumes tab's forms on the real app: the empty state explains the stop-then-start trade-off; a form
 * without its CSRF token is refused; a bad mount path is refused (400) beside the form with what was typed
 * kept, and creates nothing; a volume is added (not shared by default), marked shared, and deleted with htmx
 * (the section alone comes back); each change, and each refusal, is in the audit log. No volume is ever created on the engine
 * here (nothing is deployed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedAdmin, signedInClient } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';

describe('the Volumes tab', () => {
  let t: TestApp;
  let client: InjectClient;
  let svc: string;

  before(async () => {
    t = await createTestApp();
    await seedAdmin(t.db);
    client = await signedInClient(t.app);
    const list = await client.get('/projects');
    const projectUrl = String(
      (await client.postForm('/projects', { _csrf: csrfTokenOf(list.body), name: 'vols' })).headers.location,
    );
    const page = await client.get(projectUrl);
    const created = await client.postForm(`${projectUrl}/services`, {
      _csrf: csrfTokenOf(page.body),
      name: 'web',
      sourceType: 'image',
      image: 'nginx:1.27',
    });
    svc = String(created.headers.location).split('/').pop()!;
  });
  after(() => t.close());

  it('adds, marks shared and deletes a volume with its forms; refuses bad input beside the form', async () => {
    const empty = await client.get(`/services/${svc}/volumes`);
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /id="tab-volumes"[^>]*aria-current="page"/);
    assert.match(empty.body, /No volumes yet/);
    assert.match(empty.body, /short downtime/);
    const csrf = csrfTokenOf(empty.body);

    const noToken = await client.postForm(`/services/${svc}/volumes`, { name: 'data', mountPath: '/data' });
    assert.equal(noToken.statusCode, 403, 'a form without its CSRF token is refused');

    const bad = await client.postForm(`/services/${svc}/volumes`, { _csrf: csrf, name: 'data', mountPath: '/etc' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="volume-path-error">must not be a system directory/);
    assert.match(bad.body, /value="\/etc"/, 'what was typed is kept');
    assert.deepEqual(await t.ctx.volumes.volumes.listConfigured(svc), []);

    const added = await client.postForm(`/services/${svc}/volumes`, { _csrf: csrf, name: 'data', mountPath: '/data' });
    assert.equal(added.statusCode, 303, added.body);
    const [volume] = await t.ctx.volumes.volumes.listConfigured(svc);
    assert.equal(volume!.mountPath, '/data');
    assert.equal(volume!.shared, false);
    const shown = await client.get(added.headers.location as string);
    assert.match(shown.body, /Volume data added/);
    assert.match(shown.body, /stop-then-start/);
    assert.match(shown.body, /not created yet/);
    assert.match(shown.body, /Backups of data/);
    assert.match(shown.body, /No backups yet/);

    const taken = await client.postForm(`/services/${svc}/volumes`, { _csrf: csrf, name: 'data', mountPath: '/other' });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /already has a volume named data/);

    const marked = await client.postForm(`/services/${svc}/volumes/${volume!.id}`, { _csrf: csrf, shared: 'true' });
    assert.equal(marked.statusCode, 303);
    assert.equal((await t.ctx.volumes.volumes.get(volume!.id, svc)).shared, true);

    const deleted = await client.postForm(
      `/services/${svc}/volumes/${volume!.id}/delete`,
      { _csrf: csrf },
      { 'hx-request': 'true', 'hx-target': 'volumes' },
    );
    assert.equal(deleted.statusCode, 200);
    assert.match(deleted.body, /Volume data deleted/);
    assert.match(deleted.body, /No volumes yet/);
    assert.doesNotMatch(deleted.body, /<html/, 'htmx gets the section alone');

    const actions = await t.db
      .selectFrom('audit_events')
      .select(['action', 'outcome'])
      .where('action', 'like', 'volume.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      actions.filter((a) => a.outcome === 'success').map((a) => a.action),
      ['volume.create', 'volume.update', 'volume.delete'],
    );
    // The refusals are recorded as failures (the CSRF refusal, the bad path, the taken name).
    assert.equal(actions.filter((a) => a.outcome === 'failure').length, 3);
  });
});
