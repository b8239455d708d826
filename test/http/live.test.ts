/**
 * The panel's live stream (GET /live, Server-Sent Events): behind the session, only the events about
 * what the page shows, a bounded number per session, and every stream ends when the app closes.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MAX_STREAMS_PER_SESSION } from '../../src/http/routes/ui/live.routes.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import type { InjectClient } from '../helpers/inject-client.js';

interface Stream {
  response: IncomingMessage;
  text: () => string;
  close: () => void;
  /** Resolves once the stream's text matches. */
  waitFor: (pattern: RegExp) => Promise<void>;
}

describe('live stream (SSE)', () => {
  let t: TestApp;
  let browser: InjectClient;
  let base: string;
  let shopService: string;
  let otherService: string;
  let shopId: string;

  const open = (path: string, cookie = browser.cookieHeader()): Promise<Stream> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { headers: { cookie, accept: 'text/event-stream' } }, (response) => {
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
