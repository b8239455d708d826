/**
 * `berth login` with browser approval, against the real app: the CLI's start and poll routes (public),
 * the approve page (signed-in panel, CSRF), the one-time hand-over of the token, denial, expiry (a moved
 * clock), a wrong poll secret, the per-address limit, and a real `berth login` process that waits while
 * the test approves (and one that gets denied: exit 3).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token as makeToken, type Team } from '../helpers/team-fixture.js';
import type { InjectClient } from '../helpers/inject-client.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

interface Started {
  requestId: string;
  userCode: string;
  approveUrl: string;
  pollSecret: string;
  expiresIn: number;
  interval: number;
}

describe('berth login with browser approval', () => {
  let t: TestApp;
  let team: Team;
  let owner: InjectClient;
  let viewer: InjectClient;
  let clockOffset = 0;
  let base: string;
  const configDir = mkdtempSync(join(tmpdir(), 'berth-cli-login-'));

  before(async () => {
    t = await createTestApp({
      cliLogin: { limits: { pollIntervalSeconds: 1, perAddress: 5 }, now: () => Date.now() + clockOffset },
    });
    team = await seedTeam(t);
    owner = await signIn(t, team.users.owner.email);
    viewer = await signIn(t, team.users.viewer.email);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await t.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  const start = async (host = 'laptop-1', remoteAddress = '10.20.0.1') => {
    const res = await t.app.inject({ method: 'POST', url: '/cli/login', payload: { host }, remoteAddress });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Started;
  };
  const poll = (id: string, pollSecret: string) =>
    t.app.inject({ method: 'POST', url: `/cli/login/${id}/poll`, payload: { pollSecret } });
  const decide = async (client: InjectClient, decision: 'approve' | 'deny', code: string) => {
    const page = await client.get(`/cli/approve?code=${encodeURIComponent(code)}`);
    assert.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(csrf, 'the approve page has a CSRF token');
    return client.postForm(`/cli/${decision}`, { _csrf: csrf, code });
  };
  const me = (bearer: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${bearer}` } });

  it('approve in the panel → the poll hands over a working token exactly once, and it is audited', async () => {
    const started = await start('build-box');
    assert.match(started.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.match(started.approveUrl, /\/cli\/approve\?code=[A-Z]{4}-[A-Z]{4}$/);
    assert.ok(started.expiresIn >= 60 && started.expiresIn <= 900);
    assert.equal((await poll(started.requestId, started.pollSecret)).json().status, 'pending');

    const page = await owner.get(`/cli/approve?code=${started.userCode.toLowerCase()}`);
    assert.match(page.body, /id="cli-host">build-box</);
    assert.match(page.body, new RegExp(`id="cli-code">${started.userCode}<`));
    const approved = await decide(owner, 'approve', started.userCode);
    assert.equal(approved.statusCode, 200, approved.body.slice(0, 300));
    assert.match(approved.body, /berth CLI on build-box/);
    // The code is single-use: the page no longer knows it, and approving again is refused.
    assert.doesNotMatch((await owner.get(`/cli/approve?code=${started.userCode}`)).body, /id="cli-host"/);

    const first = await poll(started.requestId, started.pollSecret);
    assert.equal(first.statusCode, 200);
    const body = first.json() as { status: string; token: string; email: string };
    assert.equal(body.status, 'approved');
    assert.equal(body.email, team.users.owner.email);
    const who = await me(body.token);
    assert.equal(who.statusCode, 200);
    assert.equal(who.json().token.name, 'berth CLI on build-box');
    const second = await poll(started.requestId, started.pollSecret);
    assert.equal(second.statusCode, 404);
    assert.doesNotMatch(second.body, /berth_/);

    const audit = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=token.create',
      headers: { authorization: `Bearer ${await makeToken(t, team.users.owner.id)}` },
    });
    const events = (audit.json() as { events: Array<{ actor: { email: string }; outcome: string }> }).events;
    assert.ok(
      events.some((e) => e.actor.email === team.users.owner.email && e.outcome === 'success'),
      audit.body,
    );
  });

  it('a second login from the same host gets its own token name', async () => {
    const started = await start('build-box');
    assert.equal((await decide(owner, 'approve', started.userCode)).statusCode, 200);
    const body = (await poll(started.requestId, started.pollSecret)).json() as { token: string };
    assert.equal((await me(body.token)).json().token.name, 'berth CLI on build-box 2');
  });

  it('deny: the poll answers denied once; the code is gone', async () => {
    const started = await start();
    const denied = await decide(owner, 'deny', started.userCode);
    assert.equal(denied.statusCode, 200);
    assert.match(denied.body, /Denied/);
    assert.deepEqual((await poll(started.requestId, started.pollSecret)).json(), { status: 'denied' });
    assert.equal((await poll(started.requestId, started.pollSecret)).statusCode, 404);
    const again = await decide(viewer, 'approve', started.userCode);
    assert.equal(again.statusCode, 404, 'a denied code cannot be approved after all');
    assert.match(again.body, /expired or was used/);
  });

  it('expiry: after the TTL the code cannot be approved and the poll answers expired', async () => {
    const started = await start();
    clockOffset = (started.expiresIn + 1) * 1000;
    try {
      const page = await owner.get(`/cli/approve?code=${started.userCode}`);
      assert.doesNotMatch(page.body, /id="cli-host"/);
      assert.match(page.body, /expired or was used/);
      assert.deepEqual((await poll(started.requestId, started.pollSecret)).json(), { status: 'expired' });
    } finally {
      clockOffset = 0;
    }
  });

  it('the user code alone is not enough: a wrong poll secret is refused and the token stays for the right one', async () => {
    const started = await start();
    assert.equal((await decide(viewer, 'approve', started.userCode)).statusCode, 200);
    const wrong = await poll(started.requestId, `clp_${'x'.repeat(43)}`);
    assert.equal(wrong.statusCode, 403);
    assert.doesNotMatch(wrong.body, /berth_/);
    const missing = await t.app.inject({
      method: 'POST',
      url: `/cli/login/${started.requestId}/poll`,
      payload: {},
    });
    assert.equal(missing.statusCode, 400);
    assert.equal((await poll(started.requestId, started.pollSecret)).json().status, 'approved');
  });

  it('approval without CSRF is refused and leaves the request pending', async () => {
    const started = await start();
    const res = await owner.postForm('/cli/approve', { code: started.userCode });
    assert.equal(res.statusCode, 403);
    assert.equal((await poll(started.requestId, started.pollSecret)).json().status, 'pending');
    // Not signed in: the approve page sends to the login page and back.
    const anonymous = await t.app.inject({ method: 'GET', url: `/cli/approve?code=${started.userCode}` });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(
      anonymous.headers.location,
      `/login?next=${encodeURIComponent(`/cli/approve?code=${started.userCode}`)}`,
    );
  });

  it('a viewer approves for themselves only: the token is theirs, with their access', async () => {
    const started = await start('viewer-mac');
    const page = await viewer.get(`/cli/approve?code=${started.userCode}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const other = await viewer.postForm('/cli/approve', {
      _csrf: csrf,
      code: started.userCode,
      userId: team.users.owner.id,
    });
    assert.equal(other.statusCode, 400, 'no field names another user');
    assert.equal((await decide(viewer, 'approve', started.userCode)).statusCode, 200);
    const body = (await poll(started.requestId, started.pollSecret)).json() as { token: string; email: string };
    assert.equal(body.email, team.users.viewer.email);
    const who = await me(body.token);
    assert.equal(who.json().user.email, team.users.viewer.email);
    const deploy = await t.app.inject({
      method: 'POST',
      url: `/api/v1/services/${team.ids.service}/deployments`,
      headers: { authorization: `Bearer ${body.token}` },
      payload: {},
    });
    assert.equal(deploy.statusCode, 403, 'a viewer’s token cannot deploy');
  });

  it('refuses a bad host name and too many requests from one address', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/cli/login', payload: { host: '../<x>' } });
    assert.equal(bad.statusCode, 422, bad.body);
    for (let i = 0; i < 5; i++) await start('burst', '10.20.9.9');
    const over = await t.app.inject({
      method: 'POST',
      url: '/cli/login',
      payload: { host: 'burst' },
      remoteAddress: '10.20.9.9',
    });
    assert.equal(over.statusCode, 429);
    await start('elsewhere', '10.20.9.10');
  });

  /** A real `berth login` process; resolves with the code it printed, and later its exit. */
  function runLogin(): { code: Promise<string>; done: Promise<{ exit: number | null; out: string; err: string }> } {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, 'login', '--server', base], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, BERTH_CLI_CONFIG_DIR: configDir },
    });
    let out = '';
    let err = '';
    let found: (code: string) => void;
    const code = new Promise<string>((resolve) => (found = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /check the code ([A-Z]{4}-[A-Z]{4})/.exec(out);
      if (match) found(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const done = new Promise<{ exit: number | null; out: string; err: string }>((resolve) =>
      child.once('exit', (exit) => {
        clearTimeout(timer);
        resolve({ exit, out, err });
      }),
    );
    return { code, done };
  }

  it('a real `berth login` waits for the approval, stores a working token; a denied one exits 3', async () => {
    const run = runLogin();
    const code = await run.code;
    assert.equal((await decide(owner, 'approve', code)).statusCode, 200);
    const result = await run.done;
    assert.equal(result.exit, 0, result.err);
    assert.match(result.out, new RegExp(`Open ${base.replace(/[.]/g, '\\.')}|Open http`));
    assert.match(result.out, /Logged in to .* as owner@example\.com/);
    const stored = JSON.parse(readFileSync(join(configDir, 'credentials.json'), 'utf8')) as { token: string };
    assert.equal((await me(stored.token)).statusCode, 200);

    const denied = runLogin();
    assert.equal((await decide(owner, 'deny', await denied.code)).statusCode, 200);
    const refused = await denied.done;
    assert.equal(refused.exit, 3, refused.out + refused.err);
    assert.match(refused.err, /denied in the browser/);
  });

  it('`berth logout --revoke` forgets the stored token and revokes it on the server; again is no error', async () => {
    const run = runLogin();
    assert.equal((await decide(owner, 'approve', await run.code)).statusCode, 200);
    assert.equal((await run.done).exit, 0);
    const file = join(configDir, 'credentials.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
    assert.equal((await me(stored.token)).statusCode, 200);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, BERTH_CLI_CONFIG_DIR: configDir };
    const logout = await runCli(['logout', '--revoke'], env);
    assert.equal(logout.exit, 0, logout.err);
    assert.match(logout.out, /Logged out of .* \(the token is revoked\)/);
    assert.equal(existsSync(file), false, 'nothing of the login is left on disk');
    assert.equal((await me(stored.token)).statusCode, 401, 'the token no longer works anywhere');
    const again = await runCli(['logout'], env);
    assert.equal(again.exit, 0);
    assert.match(again.out, /Not logged in/);
  });

  /** A real `berth` process run to its end. */
  function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ exit: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', (exit) => {
        clearTimeout(timer);
        resolve({ exit, out, err });
      });
    });
  }
});
