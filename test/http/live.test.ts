/**
 * The panel's live stream (GET /live, Server-Sent Events): behind the session, only the events about
 * what the page shows, a bounded number per session, and every stream ends when the app closes. A database
 * page's stream carries its status and backups; a service page's, the certificates of domains added later.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MAX_STREAMS_PER_SESSION } from '../../src/http/routes/ui/live.routes.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';
import { generateCredentials, sealCredentials } from '../../src/databases/credentials.js';
import { insertDatabase } from '../../src/databases/databases.repository.js';
import { newId } from '../../src/lib/ids.js';

interface Stream {
  response: IncomingMessage;
  text: () => string;
  close: () => void;
  /** Resolves once the stream's text matches. */
  waitFor: (pattern: RegExp) => Promise<void>;
}

/** Opens a stream as a browser would (its session cookie), collecting the text. */
function openStream(url: string, cookie: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { cookie, accept: 'text/event-stream' } }, (response) => {
      let text = '';
      const waiters: Array<{ pattern: RegExp; done: () => void }> = [];
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.filter((x) => x.pattern.test(text))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done();
        }
      });
      response.on('error', () => undefined);
      resolve({
        response,
        text: () => text,
        close: () => req.destroy(),
        waitFor: (pattern) =>
          pattern.test(text) ? Promise.resolve() : new Promise((done) => waiters.push({ pattern, done })),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The frames of a stream as { event, data }. */
function framesOf(stream: Stream): Array<{ event: string; data: { status?: string; topics: string[] } }> {
  return stream
    .text()
    .split('\n\n')
    .filter((f) => f.startsWith('event:'))
    .map((f) => ({ event: /^event: (\w+)/.exec(f)![1]!, data: JSON.parse(f.split('data: ')[1]!) }));
}

describe('live stream (SSE)', () => {
  let t: TestApp;
  let browser: InjectClient;
  let base: string;
  let shopService: string;
  let otherService: string;
  let shopId: string;

  const open = (path: string, cookie = browser.cookieHeader()) => openStream(`${base}${path}`, cookie);

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const post = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, headers, payload })).json() as { id: string };
    shopId = (await post('/api/v1/projects', { name: 'shop' })).id;
    const otherId = (await post('/api/v1/projects', { name: 'other' })).id;
    shopService = (await post(`/api/v1/projects/${shopId}/services`, { name: 'web', source: { type: 'push' } })).id;
    otherService = (await post(`/api/v1/projects/${otherId}/services`, { name: 'web', source: { type: 'push' } })).id;
    browser = await signedInClient(t.app);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  it('is behind the panel session', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/live?project=${shopId}` });
    assert.equal(response.statusCode, 303);
    assert.match(String(response.headers.location), /^\/login\?next=/);
    const stream = await open(`/live?project=${shopId}`, '');
    assert.equal(stream.response.statusCode, 303, 'no stream without a session');
    stream.close();
  });

  it("passes on only the events about what the page shows, and nothing else's", async () => {
    const stream = await open(`/live?project=${shopId}`);
    assert.equal(stream.response.statusCode, 200);
    assert.match(String(stream.response.headers['content-type']), /^text\/event-stream/);
    await stream.waitFor(/: live\n\n/);
    t.events.publish({ type: 'deployment', deploymentId: 'dep_other', serviceId: otherService, status: 'building' });
    t.events.publish({ type: 'database', databaseId: 'db_elsewhere', status: 'running' });
    t.events.publish({ type: 'deployment', deploymentId: 'dep_shop', serviceId: shopService, status: 'building' });
    await stream.waitFor(/dep_shop/);
    const frames = stream
      .text()
      .split('\n\n')
      .filter((f) => f.startsWith('event:'));
    assert.equal(frames.length, 1, stream.text());
    assert.match(frames[0]!, /^event: deployment\ndata: /);
    const data = JSON.parse(frames[0]!.split('data: ')[1]!) as { status: string; topics: string[] };
    assert.equal(data.status, 'building');
    assert.deepEqual(data.topics, [`service:${shopService}`]);
    assert.doesNotMatch(stream.text(), new RegExp(otherService));
    stream.close();
  });

  it('opens a quiet stream for an empty project (the page of a project just created)', async () => {
    const admin = await t.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id, 'empty')}` };
    const empty = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: { name: 'empty' } });
    const stream = await open(`/live?project=${empty.json().id}`);
    assert.equal(stream.response.statusCode, 200);
    stream.close();
  });

  it('refuses a page that names nothing or something unknown', async () => {
    assert.equal((await browser.get('/live')).statusCode, 400);
    assert.equal((await browser.get('/live?service=svc_doesnotexist')).statusCode, 404);
  });

  it('bounds the streams of one session and frees a place when one closes', async () => {
    const streams: Stream[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++) {
      const stream = await open(`/live?service=${shopService}`);
      assert.equal(stream.response.statusCode, 200);
      streams.push(stream);
    }
    const refused = await open(`/live?service=${shopService}`);
    assert.equal(refused.response.statusCode, 429);
    refused.close();
    const listening = t.events.listenerCount;
    streams.pop()!.close();
    for (let i = 0; i < 50 && t.events.listenerCount >= listening; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(t.events.listenerCount, listening - 1, 'a closed stream stops listening');
    const again = await open(`/live?service=${shopService}`);
    assert.equal(again.response.statusCode, 200);
    streams.push(again);
    const ended = Promise.all(streams.map((s) => new Promise((done) => s.response.on('end', done))));
    await t.app.close();
    await ended;
    assert.equal(t.events.listenerCount, 0, 'closing the app ends every stream');
  });
});

describe('live stream of a database page and of the domains tab', () => {
  let t: TestApp;
  let browser: InjectClient;
  let base: string;
  let databaseId: string;
  let serviceId: string;
  const hx = { 'hx-request': 'true' };

  before(async () => {
    t = await createTestApp({
      withHttps: true,
      env: { BERTH_ACME_DIRECTORY: 'http://127.0.0.1:9/directory', BERTH_APPS_DOMAIN: 'apps.example.com' },
    });
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const post = async (url: string, payload: object) =>
      (await t.app.inject({ method: 'POST', url, headers, payload })).json() as { id: string };
    const projectId = (await post('/api/v1/projects', { name: 'data' })).id;
    serviceId = (await post(`/api/v1/projects/${projectId}/services`, { name: 'web', source: { type: 'push' } })).id;
    const env = await t.db
      .selectFrom('environments')
      .select('id')
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    // A database as the create call leaves it before its container exists (no container is made here).
    databaseId = newId('svc');
    await insertDatabase(t.db, {
      id: databaseId,
      projectId,
      environmentId: env.id,
      name: 'db',
      engine: 'postgres',
      image: 'postgres:16',
      credentialsEncrypted: sealCredentials(t.ctx.databases.databases.deps.secretBox, generateCredentials()),
      volumeName: `berth-test-${databaseId}`,
      memoryMb: null,
      cpus: null,
      now: new Date().toISOString(),
    });
    browser = await signedInClient(t.app);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  it("carries the database's status and its backups, as the features announce them", async () => {
    const page = (await browser.get(`/databases/${databaseId}`)).body;
    assert.match(page, new RegExp(`data-live-stream="/live\\?database=${databaseId}"`));
    assert.match(page, new RegExp(`id="backup-list" data-live="backups:${databaseId}"`));
    const stream = await openStream(`${base}/live?database=${databaseId}`, browser.cookieHeader());
    assert.equal(stream.response.statusCode, 200);
    await stream.waitFor(/: live\n\n/);

    // A backup of a database with no container fails at once: started, then failed, both announced.
    const backup = await t.ctx.databases.backups.start(databaseId);
    await t.ctx.databases.backups.settle(databaseId);
    await stream.waitFor(/"status":"failed"/);
    // Stopping it changes its status (no container to stop here).
    await t.ctx.databases.databases.stop(databaseId);
    await stream.waitFor(/event: database/);
    t.events.publish({ type: 'backup', backupId: 'bak_other', databaseId: 'svc_other', status: 'verified' });
    t.events.publish({ type: 'database', databaseId: 'svc_other', status: 'running' });

    const frames = framesOf(stream);
    assert.deepEqual(
      frames.map((f) => [f.event, f.data.status, f.data.topics]),
      [
        ['backup', 'running', [`backups:${databaseId}`]],
        ['backup', 'failed', [`backups:${databaseId}`]],
        ['database', 'stopped', [`database:${databaseId}`]],
      ],
    );
    assert.doesNotMatch(stream.text(), /svc_other/);
    stream.close();

    // What the page then fetches: the list with the failed backup and why, and the new badge.
    const list = await browser.get(`/databases/${databaseId}/backups`, hx);
    assert.match(list.body, new RegExp(`<tr id="backup-${backup.id}">`));
    assert.match(
      list.body,
      /status-failed">failed<\/span><br><span class="error">Dump failed: The database has no container/,
    );
    assert.doesNotMatch(list.body, /data-live-resync/, 'no backup runs: nothing to look at again on reconnect');
    const badge = await browser.get(`/databases/${databaseId}/status`, hx);
    assert.match(badge.body, /data-live="database:[^"]+" hx-get="[^"]+" hx-trigger="live"[^>]*>\s*stopped/);
    assert.equal((await browser.get(`/databases/${databaseId}/backups`)).statusCode, 303, 'a browser gets the page');
  });

  it("passes on the certificate of a domain added after the service page's stream opened", async () => {
    const stream = await openStream(`${base}/live?service=${serviceId}`, browser.cookieHeader());
    await stream.waitFor(/: live\n\n/);
    const page = await browser.get(`/services/${serviceId}/domains`);
    const added = await browser.postForm(
      `/services/${serviceId}/domains`,
      { _csrf: csrfTokenOf(page.body), hostname: 'late.example.org' },
      hx,
    );
    assert.equal(added.statusCode, 200, added.body);
    assert.match(added.body, /data-live="certificate:late\.example\.org"/);
    // The CA cannot be reached here: the order is announced (pending), then its failure.
    await stream.waitFor(/"status":"failed"/);
    const frames = framesOf(stream);
    assert.deepEqual(
      frames.map((f) => [f.event, f.data.status, f.data.topics]),
      [
        ['certificate', 'pending', ['certificate:late.example.org']],
        ['certificate', 'failed', ['certificate:late.example.org']],
      ],
    );
    stream.close();
  });
});
