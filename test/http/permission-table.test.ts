/**
 * The one permission table, against the real app: every route (HTTP, WebSocket, git) declares a
 * permission or the app does not start; then each route with a permission is called, with the ids of a
 * seeded project, as the owner, an admin, the project's admin, developer and viewer, an outsider (who
 * has another project only) and scoped tokens, and must answer allowed, 403 or 404 as the table says.
 * "Allowed" is "not refused by the permission check" (401/403 FORBIDDEN/404): requests carry no CSRF
 * token or an invalid body, so an allowed write stops at its own check and changes nothing. The WebSocket
 * routes (runtime logs, build output) and the live event stream are opened for real on a listening server:
 * an allowed upgrade opens (101), a project the caller cannot see is refused as not found, no session is
 * sent to the login page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { registeredRoutes, trackRoutes, panelGroup } from '../../src/http/route-groups.js';
import { NEEDED, isProjectPermission } from '../../src/auth/access-policy.js';
import type { ProjectRole } from '../../src/auth/auth.types.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Person, type Team } from '../helpers/team-fixture.js';
import type { InjectClient } from '../helpers/inject-client.js';
import { openSocket, openStream } from '../helpers/ws-probe.js';

const RANK: Record<ProjectRole, number> = { viewer: 1, developer: 2, admin: 3 };
const ROLE_ON_ALPHA: Record<Person, ProjectRole | undefined> = {
  owner: 'admin',
  admin: 'admin',
  projectAdmin: 'admin',
  developer: 'developer',
  viewer: 'viewer',
  outsider: undefined,
};

type Outcome = 'allowed' | 403 | 404;

function fill(url: string, ids: Team['ids'], source: string | undefined): string {
  // The database tile names its project in :id and the database in :databaseId.
  const id = url.includes(':databaseId') ? ids.project : source ? ids[source as keyof Team['ids']] : 'x';
  return url.replace(':databaseId', ids.database).replace(':id', id).replace(':kind', 'deploy-failed');
}

/** The permission check's own refusals (a handler's "no such domain" is not one). */
const REFUSED_404 = /not shared with you/;

function outcomeOf(res: LightMyRequestResponse): Outcome {
  if (res.statusCode === 404) return REFUSED_404.test(res.body) ? 404 : 'allowed';
  if (res.statusCode === 401) return 404; // never expected: treated as a refusal
  if (res.statusCode === 403) {
    const code = safeCode(res);
    return code === 'FORBIDDEN' ? 403 : 'allowed';
  }
  return 'allowed';
}

function safeCode(res: LightMyRequestResponse): string | undefined {
  try {
    return (res.json() as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

function expected(
  permission: string,
  role: ProjectRole | undefined,
  serverRole: 'owner' | 'admin' | 'member',
  method: string,
  token?: { scoped: boolean; readOnly: boolean; role: ProjectRole },
): Outcome {
  const write = method !== 'GET' && method !== 'HEAD';
  if (token?.readOnly && write && permission !== 'signed-in') {
    if (isProjectPermission(permission as never) && !role) return 404;
    return 403;
  }
  switch (permission) {
    case 'signed-in':
      return 'allowed';
    case 'account':
      return !token || (!token.scoped && token.role === 'admin' && !token.readOnly) || !write ? 'allowed' : 403;
    case 'server.admin':
      return serverRole !== 'member' && (!token || (!token.scoped && token.role === 'admin')) ? 'allowed' : 403;
    case 'server.owner':
      return serverRole === 'owner' && !token?.scoped ? 'allowed' : 403;
  }
  if (!role) return 404;
  const capped = token && RANK[token.role] < RANK[role] ? token.role : role;
  return RANK[capped] >= RANK[NEEDED[permission as keyof typeof NEEDED]] ? 'allowed' : 403;
}

describe('the permission table', () => {
  let t: TestApp;
  let team: Team;
  const sessions = {} as Record<Person, InjectClient>;

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    for (const person of Object.keys(team.users) as Person[])
      sessions[person] = await signIn(t, team.users[person].email);
  });
  after(() => t.close());

  it('every route declares a permission (HTTP, WebSocket, git), and project routes say where the project is', () => {
    const routes = registeredRoutes(t.app);
    assert.ok(routes.length > 150, `${routes.length} routes`);
    const missing = routes.filter((route) => !route.permission).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, []);
    for (const route of routes) {
      if (isProjectPermission(route.permission!.permission)) assert.ok(route.permission!.project, route.url);
    }
    // Volumes (API and panel): reading needs project.read, every change (backups and restores too) project.deploy.
    const volumeRoutes = routes.filter(
      (r) => r.url.startsWith('/api/v1/services/:id/volumes') || r.url.startsWith('/services/:id/volumes'),
    );
    assert.ok(volumeRoutes.length >= 15, `${volumeRoutes.length} volume routes`);
    for (const route of volumeRoutes.filter((r) => r.method !== 'HEAD'))
      assert.equal(route.permission!.permission, route.method === 'GET' ? 'project.read' : 'project.deploy', route.url);
    const sockets = routes.filter((route) => route.isWebsocket);
    assert.ok(sockets.length >= 2);
    // Sockets read (logs, build output), except the web terminal, which runs a shell.
    for (const socket of sockets)
      assert.equal(
        socket.permission!.permission,
        socket.url.endsWith('/terminal/ws') ? 'project.terminal' : 'project.read',
        socket.url,
      );
  });

  it('refuses to start with a route that declares no permission', async () => {
    const app = Fastify();
    trackRoutes(app);
    await panelGroup(app, t.ctx, [
      async (scope) => {
        scope.get('/undeclared', async () => 'x');
      },
    ]);
    await assert.rejects(async () => app.ready(), /without a fitting permission.*GET \/undeclared/);
    await app.close().catch(() => undefined);
  });

  const projectOrServer = () =>
    registeredRoutes(t.app).filter(
      (r) => r.method !== 'HEAD' && r.access !== 'public' && r.permission && !r.isWebsocket && r.url !== '/live',
    );

  it('panel: every role against every panel route (sessions)', async () => {
    const failures: string[] = [];
    const seen: Record<string, number> = {};
    for (const route of projectOrServer().filter((r) => r.access === 'panel')) {
      const url = fill(route.url, team.ids, route.permission!.project);
      for (const person of Object.keys(sessions) as Person[]) {
        const serverRole = person === 'owner' ? 'owner' : person === 'admin' ? 'admin' : 'member';
        const want = expected(route.permission!.permission, ROLE_ON_ALPHA[person], serverRole, route.method);
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: { cookie: sessions[person].cookieHeader(), accept: 'application/json' },
          ...(route.method === 'GET' ? {} : { payload: { probe: 'x' } }),
        });
        const got = outcomeOf(res);
        seen[String(got)] = (seen[String(got)] ?? 0) + 1;
        if (got !== want)
          failures.push(
            `${person} ${route.method} ${url}: want ${want}, got ${res.statusCode} ${res.body.slice(0, 120)}`,
          );
      }
    }
    assert.deepEqual(failures, []);
    // The matrix really met all three answers, many times each.
    for (const outcome of ['allowed', '403', '404']) assert.ok((seen[outcome] ?? 0) > 20, JSON.stringify(seen));
  });

  it('API: every role and token scope against every API route', async () => {
    const callers: Array<{
      name: string;
      person: Person;
      token: string;
      scope?: { scoped: boolean; readOnly: boolean; role: ProjectRole };
    }> = [];
    for (const person of Object.keys(team.users) as Person[]) {
      callers.push({ name: person, person, token: await token(t, team.users[person].id) });
    }
    const ownerId = team.users.owner.id;
    callers.push({
      name: 'owner token for alpha as viewer',
      person: 'owner',
      token: await token(t, ownerId, { projectId: team.alpha, role: 'viewer' }),
      scope: { scoped: true, readOnly: false, role: 'viewer' },
    });
    callers.push({
      name: 'owner read-only token',
      person: 'owner',
      token: await token(t, ownerId, { readOnly: true }),
      scope: { scoped: false, readOnly: true, role: 'admin' },
    });
    callers.push({
      name: 'developer token for beta (not theirs)',
      person: 'developer',
      token: await token(t, team.users.owner.id, { projectId: team.beta, role: 'developer' }),
      scope: { scoped: true, readOnly: false, role: 'developer' },
    });
    const failures: string[] = [];
    const seen: Record<string, number> = {};
    for (const route of projectOrServer().filter((r) => r.access === 'api')) {
      const url = fill(route.url, team.ids, route.permission!.project);
      for (const caller of callers) {
        const serverRole = caller.person === 'owner' ? 'owner' : caller.person === 'admin' ? 'admin' : 'member';
        let role = ROLE_ON_ALPHA[caller.person];
        // The beta-scoped token (made by the owner) cannot reach alpha at all.
        if (caller.name.startsWith('developer token for beta')) role = undefined;
        const want = caller.name.startsWith('developer token for beta')
          ? isProjectPermission(route.permission!.permission)
            ? 404
            : expected(route.permission!.permission, role, 'owner', route.method, caller.scope)
          : expected(route.permission!.permission, role, serverRole, route.method, caller.scope);
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: { authorization: `Bearer ${caller.token}`, 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { payload: '"probe"' }),
        });
        const got = outcomeOf(res);
        seen[String(got)] = (seen[String(got)] ?? 0) + 1;
        if (got !== want)
          failures.push(
            `${caller.name} ${route.method} ${url}: want ${want}, got ${res.statusCode} ${res.body.slice(0, 120)}`,
          );
      }
    }
    assert.deepEqual(failures, []);
    // The matrix really met all three answers, many times each.
    for (const outcome of ['allowed', '403', '404']) assert.ok((seen[outcome] ?? 0) > 20, JSON.stringify(seen));
  });

  it('WebSockets and the live stream: every role, with a real upgrade (or stream) on a listening server', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const sockets = registeredRoutes(t.app).filter((r) => r.isWebsocket);
    const live = registeredRoutes(t.app).find((r) => r.url === '/live' && r.method === 'GET');
    assert.ok(sockets.length >= 2 && live, 'the log and build-output sockets and the live stream are in the table');
    // The live stream is 'signed-in' and then reads each object it is asked to follow, as project.read would.
    const liveUrl = `/live?project=${team.ids.project}&service=${team.ids.service}&deployment=${team.ids.deployment}`;
    const failures: string[] = [];
    const seen: Record<string, number> = {};
    for (const person of [...(Object.keys(sessions) as Person[]), 'anonymous' as const]) {
      // From the panel's own page, as a browser sends it (the terminal refuses a socket without it).
      const origin = { origin: `http://${base}` };
      const headers: Record<string, string> =
        person === 'anonymous' ? origin : { ...origin, cookie: sessions[person].cookieHeader() };
      const serverRole = person === 'owner' ? 'owner' : person === 'admin' ? 'admin' : 'member';
      for (const route of sockets) {
        const url = fill(route.url, team.ids, route.permission!.project);
        const want =
          person === 'anonymous'
            ? 'to the login page'
            : String(expected(route.permission!.permission, ROLE_ON_ALPHA[person], serverRole, 'GET'));
        const res = await openSocket(`ws://${base}${url}`, headers);
        let got: string;
        if (res.status === 101) {
          got = 'allowed';
          if ('close' in res) res.close();
        } else if (res.status === 303) got = 'to the login page';
        else if ('body' in res && res.status === 404 && REFUSED_404.test(res.body)) got = '404';
        // The terminal's own answer past the permission check: the seeded service has nothing running.
        else if (res.status === 409 && route.url.endsWith('/terminal/ws')) got = 'allowed';
        else got = res.status === 403 ? '403' : `${res.status}`;
        seen[got] = (seen[got] ?? 0) + 1;
        if (got !== want) failures.push(`${person} WS ${url}: want ${want}, got ${got}`);
      }
      const want =
        person === 'anonymous'
          ? 'to the login page'
          : String(expected('project.read', ROLE_ON_ALPHA[person], serverRole, 'GET'));
      const stream = await openStream(`http://${base}${liveUrl}`, { ...headers, accept: 'text/event-stream' });
      stream.close();
      const got =
        stream.status === 200
          ? 'allowed'
          : stream.status === 303
            ? 'to the login page'
            : stream.status === 404 && REFUSED_404.test(stream.body)
              ? '404'
              : String(stream.status);
      seen[`live ${got}`] = (seen[`live ${got}`] ?? 0) + 1;
      if (got !== want) failures.push(`${person} GET ${liveUrl}: want ${want}, got ${got}`);
    }
    assert.deepEqual(failures, []);
    // Each answer was met: sockets opened, refused as not found, and refused without a session; same for the stream.
    for (const outcome of ['allowed', '404', 'to the login page', 'live allowed', 'live 404'])
      assert.ok((seen[outcome] ?? 0) > 0, JSON.stringify(seen));
  });
});
