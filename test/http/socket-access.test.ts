/**
 * Open connections follow the person's access: a member's build-output WebSocket and live stream close at
 * once when the member is removed, loses the project, or (a server admin) is made a plain member without a
 * role there; someone else's change closes nothing of theirs. Real sockets and streams on a listening app.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LogWriter } from '../../src/deploys/deployment-log.js';
import { SESSION_COOKIE } from '../../src/http/plugins/security.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';
import { openSocket, openStream, type OpenedSocket, type OpenedStream } from '../helpers/ws-probe.js';

const within = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)),
  ]);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('open WebSockets and live streams follow access changes', () => {
  let t: TestApp;
  let team: Team;
  let base: string;
  let ownerToken: string;
  let build: LogWriter;

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    ownerToken = await token(t, team.users.owner.id);
    // The deployment's build is running: its output socket stays open, streaming, until the log closes.
    build = t.deploys.logs.writer(team.ids.deployment);
    build.line('Step 1/3 : FROM nginx:1');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await build.close();
    await t.close();
  });

  /** A signed-in person's build-output socket (it receives the build's first line) and live stream. */
  async function connect(email: string): Promise<{ socket: OpenedSocket; stream: OpenedStream; sid: string }> {
    const client = await signIn(t, email);
    // The session cookie is `<sid>.<signature>` (@fastify/session).
    const cookie = client
      .cookieHeader()
      .split('; ')
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    const sid = decodeURIComponent(cookie.slice(SESSION_COOKIE.length + 1)).split('.')[0]!;
    const headers = { cookie: client.cookieHeader() };
    const socket = await openSocket(`ws://${base}/deployments/${team.ids.deployment}/log/ws`, headers);
    assert.equal(socket.status, 101, 'body' in socket ? socket.body : '');
    const opened = socket as OpenedSocket;
    for (let i = 0; i < 50 && opened.messages.length === 0; i++) await pause(20);
    assert.match(opened.messages[0] ?? '', /Step 1\/3/, 'the build output arrives');
    const stream = await openStream(`http://${base}/live?project=${team.alpha}`, headers);
    assert.equal(stream.status, 200, stream.body);
    return { socket: socket as OpenedSocket, stream, sid };
  }

  const api = (method: 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${ownerToken}` }, ...(payload ? { payload } : {}) });

  it('removing a member closes their socket (policy violation) and ends their live stream', async () => {
    const viewer = await connect('viewer@example.com');
    const developer = await connect('dev@example.com');
    await pause(200);
    assert.equal(viewer.socket.isClosed(), false, 'open while the member has access');

    const res = await api('DELETE', `/api/v1/members/${team.users.viewer.id}`);
    assert.equal(res.statusCode, 204, res.body);
    const closed = await within(viewer.socket.closed, 5000, 'the removed member’s socket closes');
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /access changed/);
    await within(viewer.stream.ended, 5000, 'the removed member’s stream ends');

    await pause(300);
    assert.equal(developer.socket.isClosed(), false, 'another member’s socket stays open');
    assert.equal(developer.stream.isEnded(), false, 'and their stream too');
    developer.socket.close();
    developer.stream.close();
  });

  it("taking a member's project role away closes what they had open on it", async () => {
    const developer = await connect('dev@example.com');
    const res = await api('PUT', `/api/v1/members/${team.users.developer.id}/projects/${team.alpha}`, {
      role: 'none',
    });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await within(developer.socket.closed, 5000, 'the socket closes')).code, 1008);
    await within(developer.stream.ended, 5000, 'the stream ends');
  });

  it('a server admin made a member (no role on the project) loses their socket; a raise closes nothing', async () => {
    const projectAdmin = await connect('padmin@example.com');
    const admin = await connect('admin@example.com');
    // Raising someone (a project admin made a server admin) is a change too, but it closes nothing.
    const raised = await api('PUT', `/api/v1/members/${team.users.projectAdmin.id}/role`, { role: 'admin' });
    assert.equal(raised.statusCode, 204, raised.body);
    await pause(300);
    assert.equal(projectAdmin.socket.isClosed(), false, 'a higher role keeps the socket');
    assert.equal(projectAdmin.stream.isEnded(), false);

    const lowered = await api('PUT', `/api/v1/members/${team.users.admin.id}/role`, { role: 'member' });
    assert.equal(lowered.statusCode, 204, lowered.body);
    assert.equal((await within(admin.socket.closed, 5000, 'the socket closes')).code, 1008);
    await within(admin.stream.ended, 5000, 'the stream ends');
    projectAdmin.socket.close();
    projectAdmin.stream.close();
  });

  it("revoking one of a member's sessions closes that session's socket, not their other one", async () => {
    const first = await connect('padmin@example.com');
    const second = await connect('padmin@example.com');
    // The second browser's session, as the session list names it.
    const sessions = await t.ctx.auth.listSessions(team.users.projectAdmin.id, second.sid);
    const newest = sessions.find((session) => session.isCurrent);
    assert.ok(newest && sessions.length >= 2, 'two signed-in browsers');
    await t.ctx.auth.revokeSession(newest!.handle, undefined);
    assert.equal((await within(second.socket.closed, 5000, 'the revoked session’s socket closes')).code, 1008);
    await within(second.stream.ended, 5000, 'its stream ends');
    await pause(300);
    assert.equal(first.socket.isClosed(), false, 'the other session’s socket stays');
    first.socket.close();
    first.stream.close();
  });
});
