/**
 * Runtime logs and live status of a deployed service, end to end: real git server, real build and
 * containers, one in-process daemon. The app is the dockerfile-app fixture, changed in this test's own
 * repo to print a coloured line and a variable's value at start (both must come out clean).
 * Following across a redeploy: the old container's SIGTERM line arrives, then a marker, then the new
 * container's start line — the follow continues with the new deployment instead of ending.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { InjectClient } from '../helpers/inject-client.js';

/** The `ws` client (installed with @fastify/websocket, which has no typings for it here): the part we use. */
interface WsClient {
  on(event: 'unexpected-response', listener: (request: unknown, response: IncomingMessage) => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
  terminate(): void;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  options: { headers: Record<string, string> },
) => WsClient;

const SECRET = 'tr0ub4dor-and-3';
const START_LINE = /^dockerfile-app v1 listening on port 3000$/;

/** The fixture server, plus two start lines that need cleaning. */
function chattyServer(): string {
  const server = fixtureFiles('dockerfile-app')['server.mjs']!;
  return `${server}\nconsole.log('\\x1b[31mred\\x1b[0m alert');\nconsole.log('secret is ' + process.env.LOG_SECRET);\n`;
}

/** Reads a text stream into `text` as it arrives, so a test can wait for a line. */
function collect(body: ReadableStream<Uint8Array>) {
  const state = { text: '', ended: false };
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of body) state.text += decoder.decode(chunk, { stream: true });
    state.ended = true;
  })().catch(() => (state.ended = true));
  const waitFor = async (pattern: RegExp, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(state.text)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${state.text}`);
      if (state.ended) throw new Error(`stream ended without ${pattern}:\n${state.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { state, reading, waitFor };
}

/** Opens a WebSocket and resolves with the refusal's HTTP status, or 101 plus the first messages. */
function connect(url: string, headers: Record<string, string>, messages = 0) {
  return new Promise<{ status: number; lines: string[] }>((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const lines: string[] = [];
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, lines });
      socket.terminate();
    });
    socket.on('message', (data) => {
      lines.push(String(data));
      if (lines.length >= messages) {
        socket.close();
        resolve({ status: 101, lines });
      }
    });
    socket.on('error', (error) => reject(error));
  });
}

describe('runtime logs and live status of a service', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let panel: InjectClient;
  let wsBase: string;
  let serviceId: string;
  let projectId: string;
  const status = async () => (await panel.get(`/services/${serviceId}/status`, { 'hx-request': 'true' })).body;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('logs-app', {
      ...fixtureFiles('dockerfile-app'),
      'server.mjs': chattyServer(),
      VERSION: 'v1\n',
    });
    h = await startHarness();
    panel = new InjectClient(h.daemon.app);
    const csrf = await panel.csrfFrom('/login');
    const login = await panel.postForm('/login', {
      _csrf: csrf,
      email: 'deployer@example.com',
      password: 'deploy-test-password',
    });
    assert.equal(login.statusCode, 303);
    wsBase = `ws://127.0.0.1:${(h.daemon.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('shows a clear empty state before anything is deployed', async () => {
    ({ projectId, serviceId } = await createFixtureService(h.api, {
      project: 'logs',
      service: 'app',
      repoUrl: repo.url,
    }));
    assert.equal((await h.api('PUT', `/services/${serviceId}/variables`, { LOG_SECRET: SECRET })).status, 200);

    // The badge follows the page's live stream (and re-reads itself now and then).
    assert.match(await status(), /id="status-svc_[0-9a-z]+"[^>]*hx-trigger="live, every 30s"[\s\S]*not deployed/);
    const page = await panel.get(`/services/${serviceId}/logs`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /id="no-runtime-logs"/);
    assert.doesNotMatch(page.body, /data-service-log/);
    assert.deepEqual((await h.api('GET', `/services/${serviceId}/logs`)).body, { lines: [], deploymentId: null });
  });

  it('returns the start line of the running app, with colours stripped and variable values redacted', async () => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201);
    const deployment = await h.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));

    let lines: string[] = [];
    for (let i = 0; i < 50 && !lines.some((l) => START_LINE.test(l)); i++) {
      const logs = await h.api<{ lines: string[]; deploymentId: string }>('GET', `/services/${serviceId}/logs`);
      assert.equal(logs.status, 200);
      assert.equal(logs.body.deploymentId, created.body.id);
      lines = logs.body.lines;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(
      lines.some((l) => START_LINE.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.includes('red alert'), `colour codes removed: ${JSON.stringify(lines)}`);
    assert.ok(lines.includes('secret is [redacted]'), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(SECRET) || l.includes('\u001b')), lines.join('\n'));

    const last = await h.api<{ lines: string[] }>('GET', `/services/${serviceId}/logs?tail=1`);
    // The start line comes last: node:http calls the listen callback after the module's own top-level lines.
    assert.deepEqual(last.body.lines, ['dockerfile-app v1 listening on port 3000']);
    assert.equal((await h.api('GET', `/services/${serviceId}/logs?tail=lots`)).status, 400);
  });

  it('says active with its running replicas in the status badge, and links the logs page', async () => {
    assert.match(await status(), /active · running 1\/1 replica\b/);
    const page = await panel.get(`/services/${serviceId}/logs`);
    assert.ok(page.body.includes(`data-service-log="/services/${serviceId}/logs/ws"`), 'the page follows the log');
    assert.doesNotMatch(page.body, /id="container-stopped"/, 'a running container is not said to be stopped');
    assert.match((await panel.get(`/services/${serviceId}`)).body, /href="\/services\/svc_[0-9a-z]+\/logs"/);
    // The project canvas shows the app's tile as active (the tile is refetched when the live stream says so).
    const project = (await panel.get(`/projects/${projectId}`)).body;
    assert.match(project, new RegExp(`id="tile-${serviceId}"[\\s\\S]*?data-status="active"`), 'the tile says active');
  });

  it('streams over a WebSocket to a signed-in panel, and refuses anyone else', async () => {
    const url = `${wsBase}/services/${serviceId}/logs/ws`;
    const signedIn = await connect(url, { cookie: panel.cookieHeader() }, 3);
    assert.equal(signedIn.status, 101);
    // One JSON frame per line: the text, the time the container wrote it, and its stream.
    const frames = signedIn.lines.map((l) => JSON.parse(l) as { line: string; at?: string; stream?: string });
    const startFrame = frames.find((f) => START_LINE.test(f.line));
    assert.ok(startFrame, signedIn.lines.join('\n'));
    assert.equal(startFrame.stream, 'stdout');
    assert.ok(Math.abs(Date.now() - Date.parse(startFrame.at!)) < 10 * 60_000, `a real time: ${startFrame.at}`);

    const anonymous = await connect(url, {});
    assert.equal(anonymous.status, 303, 'redirected to the login page, never upgraded');
    const forged = await connect(url, { cookie: 'berth_session=forged' });
    assert.equal(forged.status, 303);
    const foreign = await connect(url, { cookie: panel.cookieHeader(), origin: 'http://app-logs.localhost' });
    assert.equal(foreign.status, 403, 'another site (even an app on this server) cannot open it');
  });

  it('follows live across a redeploy: the old container stops, then the new one is followed', async () => {
    const controller = new AbortController();
    const response = await fetch(
      `http://${new URL(wsBase).host}/api/v1/services/${serviceId}/logs?follow=true&tail=2`,
      {
        headers: { authorization: `Bearer ${await tokenOf(h)}` },
        signal: controller.signal,
      },
    );
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^text\/plain/);
    const stream = collect(response.body!);
    try {
      await stream.waitFor(/^dockerfile-app v1 listening on port 3000$/m);
      assert.equal(stream.state.text, 'secret is [redacted]\ndockerfile-app v1 listening on port 3000\n', 'tail=2');

      await repo.commit({ VERSION: 'v2\n' }, 'release v2');
      const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
      assert.match(await status(), /deploying…/);
      await stream.waitFor(/^SIGTERM: finishing in-flight requests$/m);
      await stream.waitFor(new RegExp(`^--- deployment ${created.body.id} is now active`, 'm'));
      await stream.waitFor(/^dockerfile-app v2 listening on port 3000$/m);
      assert.equal(stream.state.ended, false, 'still following the new containers');
      assert.equal((await h.waitForDeployment(created.body.id)).status, 'active');
    } finally {
      controller.abort();
      await stream.reading;
    }
  });

  it('prefixes each line with its replica number when there are several', async () => {
    assert.equal((await h.api('PATCH', `/services/${serviceId}`, { replicas: 2 })).status, 200);
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal((await h.waitForDeployment(created.body.id)).status, 'active');
    const logs = await h.api<{ lines: string[] }>('GET', `/services/${serviceId}/logs?tail=1`);
    assert.deepEqual(logs.body.lines, [
      '[1] dockerfile-app v2 listening on port 3000',
      '[2] dockerfile-app v2 listening on port 3000',
    ]);
    assert.match(await status(), /active · running 2\/2 replicas/);
  });
});

/** The harness keeps its token inside `api`; a raw streaming fetch gets one of its own. */
async function tokenOf(h: Harness): Promise<string> {
  const created = await h.api<{ token: string }>('POST', '/tokens', { name: 'runtime-logs-stream' });
  assert.equal(created.status, 201);
  return created.body.token;
}
