/**
 * Compose stacks on the project canvas (real app, real SQLite, nothing runs): a project's stacks are tiles
 * with their status in words, the number of services and the URL; a project without stacks says where to
 * add one (paste a compose file, templates); the project's delete zone names the stacks it removes. While a stack deploys, the live stream of the project page and
 * of the stack page carry its status changes, and the tile and the stack page's status part, fetched again,
 * show the new status. Another project's stack cannot be followed.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';
import { seedTeam, signIn, type Team } from '../helpers/team-fixture.js';

interface Stream {
  status: number;
  text: () => string;
  close: () => void;
  waitFor: (pattern: RegExp) => Promise<void>;
}

/** Opens the live stream as a browser would (its session cookie), collecting the text. */
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
        status: response.statusCode ?? 0,
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

/** The `<li>` of one tile on a page. */
function tileOf(html: string, id: string): string {
  return new RegExp(`<li[^>]*id="tile-${id}"[\\s\\S]*?</li>`).exec(html)?.[0] ?? '';
}

const HTMX = { 'hx-request': 'true' };

describe('compose stacks on the project canvas', () => {
  let t: TestApp;
  let team: Team;
  let dev: InjectClient;
  let base: string;

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    dev = await signIn(t, team.users.developer.email);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => t?.close());

  it('shows each stack as a tile: status in words, services, URL, live topic', async () => {
    await t.ctx.stacks.createChecked(team.alpha, {
      name: 'shop',
      source: { type: 'paste', compose: 'services:\n  web:\n    build: .\n  cache:\n    image: berth-test/redis:7\n' },
      routedService: 'web',
      routedPort: 3000,
      variables: {},
    });
    const page = await dev.get(`/projects/${team.alpha}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h3 id="stacks-heading"><a href="\/projects\/[^"]+\/stacks">Stacks<\/a><\/h3>/);
    assert.doesNotMatch(page.body, /id="no-stacks"/);
    const fixture = tileOf(page.body, team.ids.stack);
    assert.match(fixture, /class="tile tile-stack status-not-deployed"/);
    assert.match(fixture, new RegExp(`data-live="stack:${team.ids.stack}"`));
    assert.match(fixture, new RegExp(`hx-get="/stacks/${team.ids.stack}/tile"`));
    assert.match(fixture, /data-status="not deployed"/);
    assert.match(fixture, />1 service</);
    assert.match(fixture, /href="http:\/\/stack-alpha\.localhost[^"]*"/);
    assert.match(fixture, /Never deployed/);
    const shop = /<li[^>]*data-tile="shop"[\s\S]*?<\/li>/.exec(page.body)?.[0] ?? '';
    assert.match(shop, />2 services</);
    assert.match(shop, /http:\/\/shop-alpha\.localhost/);
    // Deleting the project removes its stacks too: the danger zone says so.
    const asOwner = await (await signIn(t, team.users.owner.email)).get(`/projects/${team.alpha}`);
    assert.match(
      asOwner.body,
      /These compose stacks are removed with their volumes:[\s\S]*id="delete-stacks"[\s\S]*<strong>shop<\/strong>/,
    );
  });

  it('says where to add a stack when a project has none, also when it is empty', async () => {
    const beta = await (await signIn(t, team.users.owner.email)).get(`/projects/${team.beta}`);
    assert.equal(beta.statusCode, 200);
    assert.match(beta.body, /id="canvas"/, 'beta has an app, so the canvas shows');
    const empty = /<p class="muted" id="no-stacks">[\s\S]*?<\/p>/.exec(beta.body)?.[0] ?? '';
    assert.match(empty, new RegExp(`href="/projects/${team.beta}/stacks#new-stack"[^>]*>Paste a compose file</a>`));
    assert.match(empty, new RegExp(`href="/projects/${team.beta}/templates"[^>]*>Templates</a>`));

    const project = await t.ctx.projects.create('hollow');
    const hollow = await (await signIn(t, team.users.owner.email)).get(`/projects/${project.id}`);
    assert.match(hollow.body, /id="no-services"[\s\S]*id="no-stacks"[\s\S]*Paste a compose file/);
    // The stacks list and the templates gallery the links lead to answer.
    for (const path of [`/projects/${project.id}/stacks`, `/projects/${project.id}/templates`]) {
      const res = await (await signIn(t, team.users.owner.email)).get(path);
      assert.equal(res.statusCode, 200, path);
    }
  });

  it('a deploy’s status reaches the project and stack pages live; the tile and status part follow', async () => {
    const id = team.ids.stack;
    const onProject = await openStream(`${base}/live?project=${team.alpha}`, dev.cookieHeader());
    const onStack = await openStream(`${base}/live?stack=${id}`, dev.cookieHeader());
    try {
      assert.equal(onProject.status, 200);
      assert.equal(onStack.status, 200);
      await onProject.waitFor(/: live\n\n/);
      await onStack.waitFor(/: live\n\n/);
      const page = await dev.get(`/stacks/${id}`);
      assert.match(page.body, new RegExp(`data-live-stream="/live\\?stack=${id}"`));
      assert.match(page.body, new RegExp(`id="stack-live" data-live="stack:${id}"`));
      // The fixture's file builds from a pasted file (no folder): the deploy fails at once, nothing runs.
      const deploy = await dev.postForm(`/stacks/${id}/deploy`, { _csrf: csrfTokenOf(page.body) });
      assert.equal(deploy.statusCode, 303);
      for (const stream of [onProject, onStack]) {
        await stream.waitFor(/"status":"failed"/);
        const frames = stream
          .text()
          .split('\n\n')
          .filter((f) => f.startsWith('event:'));
        assert.deepEqual(
          frames.map((f) => /^event: (\w+)/.exec(f)?.[1]),
          ['stack', 'stack'],
        );
        const statuses = frames.map((f) => (JSON.parse(f.split('data: ')[1]!) as { status: string }).status);
        assert.deepEqual(statuses, ['deploying', 'failed']);
      }
      // The tile listens to its own stack's topic (data-live="stack:<id>"): both pages' frames name it.
      const topicsOf = (stream: Stream) =>
        (JSON.parse(stream.text().split('data: ')[1]!.split('\n')[0]!) as { topics: string[] }).topics;
      assert.deepEqual(topicsOf(onProject), [`stack:${id}`, `stacks:${team.alpha}`]);
      assert.deepEqual(topicsOf(onStack), [`stack:${id}`]);
    } finally {
      onProject.close();
      onStack.close();
    }
    const tile = await dev.get(`/stacks/${id}/tile`, HTMX);
    assert.equal(tile.statusCode, 200);
    assert.match(tile.body, /^<li class="tile tile-stack status-failed"/);
    assert.match(tile.body, /data-status="failed"/);
    assert.match(tile.body, /Last deploy failed: /);
    const live = await dev.get(`/stacks/${id}/live`, HTMX);
    assert.equal(live.statusCode, 200);
    assert.match(live.body, /id="stack-status">failed</);
    assert.match(live.body, /<pre class="log">[\s\S]*Deploy failed/);
    assert.match(live.body, />Redeploy</);
    // A person who opens a fragment's URL gets the stack page.
    const plain = await dev.get(`/stacks/${id}/tile`);
    assert.equal(plain.statusCode, 303);
    assert.equal(plain.headers.location, `/stacks/${id}`);
  });

  it('another project’s stack cannot be followed, nor its tile read', async () => {
    const outsider = await signIn(t, team.users.outsider.email);
    const stream = await openStream(`${base}/live?stack=${team.ids.stack}`, outsider.cookieHeader());
    stream.close();
    assert.equal(stream.status, 404);
    const tile = await outsider.get(`/stacks/${team.ids.stack}/tile`, HTMX);
    assert.equal(tile.statusCode, 404);
  });
});
