/**
 * The proxy as its own process tree (BERTH_PROXY_MODE=process): a real daemon deploys a real app; the
 * proxy process serves it, keeps its pid across a daemon restart while a keep-alive load loop sees no
 * failure, serves the last routes from disk when restarted alone while the daemon is down, and its
 * control socket refuses clients without the token and malformed messages (changing nothing). What the
 * two workers serve is counted like inline (HTTP metrics, request log, access log, the 10 s samples the
 * autoscaler reads); the per-address connection cap holds for the whole tree; a daemon that starts while
 * Docker does not answer leaves the proxy its last routes. Last, a
 * proxy running older code (a copy with another version, reached through a `current` symlink the way a
 * release directory is) is upgraded by a daemon of the new version: new workers from the code on disk
 * take over the same sockets under load with zero failed requests, the supervisor stays.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/connection.js';
import { samplesBetween } from '../../src/traffic/traffic.repository.js';
import { VERSION } from '../../src/version.js';
import {
  apiClient,
  createAdminToken,
  createFixtureService,
  removeProjectDockerObjects,
  type ApiClient,
} from '../helpers/daemon-api.js';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { fixtureFiles } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import {
  get as getWith,
  isAlive,
  startLoadLoop as loadLoopWith,
  talk,
  waitFor,
} from '../helpers/proxy-process-probe.js';

const HOST = 'web-pp.localhost';
const PROXY_BIN = fileURLToPath(new URL('../../bin/berth-proxy.js', import.meta.url));
const get = (port: number, agent?: http.Agent | false, path?: string) => getWith(port, HOST, agent, path);
const startLoadLoop = (port: number, options?: { freshClients?: number }) => loadLoopWith(port, HOST, options);

describe('the proxy as its own process (BERTH_PROXY_MODE=process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-pp-'));
  const codeDir = mkdtempSync(join(tmpdir(), 'berth-pp-code-'));
  const proxyDir = join(dataDir, 'proxy');
  let env: Record<string, string>;
  let git: GitServer;
  let repo: TestRepo;
  let daemon: DaemonProcess | undefined;
  let api: ApiClient;
  let proxyPort: number;
  let serviceId: string;
  let adminToken: string;
  const projectIds: string[] = [];
  const proxyPid = () => Number(readFileSync(join(proxyDir, 'proxy.pid'), 'utf8').trim());
  const token = () => readFileSync(join(proxyDir, 'control.token'), 'utf8').trim();

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('pp-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    proxyPort = await freePort();
    env = {
      BERTH_HTTP_PORT: String(proxyPort),
      BERTH_HTTPS_PORT: String(await freePort()),
      BERTH_PROXY_HOST: '127.0.0.1',
      BERTH_PROXY_MODE: 'process',
      BERTH_PROXY_WORKERS: '2',
      BERTH_ALLOW_PRIVATE_SOURCES: 'true',
      BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
      BERTH_STABILISATION_SECONDS: '1',
      BERTH_PROXY_ACCESS_LOG: 'true',
      // Eight per worker: the load loops' four keep-alive connections fit however the kernel spreads them.
      BERTH_PROXY_MAX_CONNECTIONS_PER_IP: '16',
    };
    daemon = await startDaemonProcess({ dataDir, env, timeoutMs: 180_000 });
    adminToken = await createAdminToken(dataDir);
    api = apiClient(daemon.baseUrl, adminToken);
    ({ serviceId } = await createFixtureService(api.request, { project: 'pp', service: 'web', repoUrl: repo.url }));
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api.waitForDeployment(created.body.id)).status, 'active');
    projectIds.push(...api.projectIds);
  });

  after(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) await daemon.stop();
    try {
      const pid = proxyPid();
      process.kill(pid, 'SIGTERM');
      await waitFor(() => !isAlive(pid), 20_000, 'the proxy to stop');
    } catch {
      // Not running.
    }
    await removeProjectDockerObjects(projectIds);
    await git?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(codeDir, { recursive: true, force: true });
  });

  it('serves the app from a separate process tree, its files private', async () => {
    assert.equal(await get(proxyPort), 200);
    const pid = proxyPid();
    assert.ok(isAlive(pid));
    assert.notEqual(pid, daemon!.child.pid);
    for (const file of ['control.sock', 'control.token', 'state.json']) {
      assert.equal(statSync(join(proxyDir, file)).mode & 0o777, 0o600, file);
    }
    assert.equal(statSync(proxyDir).mode & 0o777, 0o700);
  });

  it("counts what the workers serve: HTTP metrics, request log, access log, the autoscaler's samples", async () => {
    const count = 40;
    const startedAt = Date.now();
    // Fresh connections: the kernel hands them to either worker. The fixture app knows only "/" (404 here).
    const statuses = new Set<number | string>();
    for (let i = 0; i < count; i++) statuses.add(await get(proxyPort, false, `/counted-${i}?token=hidden`));
    assert.deepEqual([...statuses], [404]);
    type Entry = { path: string; status: number };
    const logged = async () =>
      (await api.request<{ entries: Entry[] }>('GET', `/services/${serviceId}/requests?path=/counted-&limit=1000`)).body
        .entries;
    await waitFor(async () => (await logged()).length >= count, 20_000, 'the request log');
    const entries = await logged();
    assert.equal(entries.length, count);
    assert.ok(entries.every((e) => e.status === 404 && !e.path.includes('?')));
    // Samples are written every 10 s: the traffic API (HTTP metrics) and the autoscaler's reader see them.
    type Totals = { requests: number; status4xx: number; p50Ms: number | null };
    const totals = async () =>
      (await api.request<{ totals: Totals }>('GET', `/services/${serviceId}/traffic?range=1h`)).body.totals;
    await waitFor(async () => (await totals()).requests >= count, 30_000, 'the HTTP metrics');
    const seen = await totals();
    assert.ok(seen.status4xx >= count && seen.p50Ms !== null, JSON.stringify(seen));
    const handle = openDatabase(join(dataDir, 'berth.db'));
    try {
      const samples = await samplesBetween(handle.db, serviceId, '10s', startedAt - 10_000, Date.now());
      assert.ok(samples.reduce((sum, s) => sum + s.requests, 0) >= count, JSON.stringify(samples));
    } finally {
      handle.close();
    }
    const accessLines = daemon!
      .output()
      .split('\n')
      .filter((line) => line.includes('"path":"/counted-'));
    assert.equal(accessLines.length, count);
    assert.ok(accessLines.every((line) => line.includes('"component":"access"') && !line.includes('hidden')));
  });

  it('holds the per-address connection cap across both workers', async () => {
    const sockets = Array.from({ length: 40 }, () => connect(proxyPort, '127.0.0.1'));
    const closed = new Set<number>();
    sockets.forEach((socket, i) => {
      socket.on('error', () => undefined);
      socket.on('close', () => closed.add(i));
    });
    await new Promise((r) => setTimeout(r, 1500));
    const open = sockets.length - closed.size;
    console.log(`per-address cap 16 over 2 workers: ${open} of 40 connections held open`);
    for (const socket of sockets) socket.destroy();
    assert.ok(open <= 16, `${open} connections open from one address, cap 16`);
    // At least one worker's share (8): how the kernel spreads them decides the rest.
    assert.ok(open >= 8, `only ${open} connections were admitted`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await get(proxyPort), 200);
  });

  it('keeps its pid across a daemon restart, and a keep-alive load loop sees zero failures', async () => {
    const before = proxyPid();
    const load = startLoadLoop(proxyPort);
    await new Promise((r) => setTimeout(r, 500));
    await daemon!.stop();
    // Generous: on a loaded 2-core machine a daemon start from the sources can take over a minute.
    daemon = await startDaemonProcess({ dataDir, env, timeoutMs: 180_000 });
    // A new panel port each start (the helper picks a free one).
    api = apiClient(daemon.baseUrl, adminToken);
    await new Promise((r) => setTimeout(r, 1000));
    const outcomes = await load.stop();
    console.log(`load loop across the restart: ${outcomes.ok} ok, ${outcomes.failed.length} failed`);
    assert.deepEqual(outcomes.failed, []);
    assert.ok(outcomes.ok > 100, `only ${outcomes.ok} requests ran`);
    assert.equal(proxyPid(), before, 'the proxy was restarted with the daemon');
    assert.match(daemon.output(), /connected to the running proxy/);
  });

  it('a redeploy switches with zero failed requests (the drain asks every worker)', async () => {
    await repo.commit({ VERSION: 'v2\n' }, 'v2');
    const load = startLoadLoop(proxyPort);
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api.waitForDeployment(created.body.id)).status, 'active');
    const outcomes = await load.stop();
    console.log(`load loop across the redeploy: ${outcomes.ok} ok, ${outcomes.failed.length} failed`);
    assert.deepEqual(outcomes.failed, []);
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: proxyPort, path: '/', headers: { host: HOST } }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, 'v2');
  });

  it('refuses a control client without the token, and one with a wrong token', async () => {
    const socketPath = join(proxyDir, 'control.sock');
    const [noHello] = await talk(socketPath, [JSON.stringify({ v: 1, id: 1, type: 'status' })]);
    assert.equal(noHello!.ok, false);
    assert.equal((noHello!.error as { code: string }).code, 'UNAUTHENTICATED');
    const [wrong] = await talk(socketPath, [JSON.stringify({ v: 1, id: 1, type: 'hello', token: 'x'.repeat(43) })]);
    assert.equal(wrong!.ok, false);
    assert.equal(await get(proxyPort), 200);
  });

  it('answers a malformed message with an error and changes nothing', async () => {
    const statePath = join(proxyDir, 'state.json');
    // Routes only: the running daemon may report a stopped container (unavailable) at any moment.
    const routesOf = () => (JSON.parse(readFileSync(statePath, 'utf8')) as { routes: unknown }).routes;
    const routesBefore = routesOf();
    const replies = await talk(join(proxyDir, 'control.sock'), [
      JSON.stringify({ v: 1, id: 1, type: 'hello', token: token() }),
      'this is not json',
      JSON.stringify({ v: 1, id: 3, type: 'route.set', route: { serviceId: 'x', hostnames: [HOST], upstreams: 'no' } }),
      JSON.stringify({
        v: 1,
        id: 4,
        type: 'route.set',
        route: { serviceId: 'x', hostnames: ['bad name'], upstreams: [] },
      }),
      JSON.stringify({ v: 2, id: 5, type: 'status' }),
      JSON.stringify({ v: 1, id: 6, type: 'route.remove', serviceId: 'x', extra: true }),
      JSON.stringify({ v: 1, id: 7, type: 'shutdown' }),
      JSON.stringify({ v: 1, id: 8, type: 'status' }),
    ]);
    assert.equal(replies[0]!.ok, true);
    for (const reply of replies.slice(1, 7)) assert.equal(reply.ok, false, JSON.stringify(reply));
    assert.equal(replies[7]!.ok, true);
    assert.deepEqual(routesOf(), routesBefore);
    assert.equal(await get(proxyPort), 200);
  });

  it('restarted alone while the daemon is down, serves the last routes from disk', async () => {
    await daemon!.stop();
    const old = proxyPid();
    process.kill(old, 'SIGTERM');
    await waitFor(() => !isAlive(old), 20_000, 'the proxy to stop');
    const child = spawn(process.execPath, [PROXY_BIN], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        BERTH_DATA_DIR: dataDir,
        ...env,
      },
      stdio: 'ignore',
      detached: true,
    });
    child.unref();
    await waitFor(async () => (await get(proxyPort)) === 200, 30_000, 'the restarted proxy to serve the app');
    assert.notEqual(proxyPid(), old);
  });

  it('a daemon started while Docker does not answer leaves the proxy its last routes', async () => {
    // The proxy started alone above serves from its state file; no daemon runs.
    assert.equal(await get(proxyPort), 200);
    const pid = proxyPid();
    daemon = await startDaemonProcess({
      dataDir,
      env: { ...env, DOCKER_HOST: 'unix:///tmp/berth-pp-no-docker.sock' },
      timeoutMs: 180_000,
    });
    assert.match(daemon.output(), /connected to the running proxy/);
    // Past the point where the snapshot used to be pushed: every request still reaches the app.
    for (let i = 0; i < 20; i++) {
      assert.equal(await get(proxyPort), 200, `request ${i}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(daemon.output(), /the Docker engine does not answer: the proxy keeps serving its last routes/);
    const routes = (JSON.parse(readFileSync(join(proxyDir, 'state.json'), 'utf8')) as { routes: unknown[] }).routes;
    assert.equal(routes.length, 1);
    assert.equal(proxyPid(), pid);
    await daemon.stop();
  });

  it('an upgrade of the proxy hands the sockets over: zero failures, new workers, same supervisor', async () => {
    // The old release: a copy of bin/ and src/ with another version in its package.json.
    const root = dirname(dirname(PROXY_BIN));
    const old = join(codeDir, 'old');
    mkdirSync(old);
    for (const entry of ['bin', 'src']) cpSync(join(root, entry), join(old, entry), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(old, 'package.json'), JSON.stringify({ ...pkg, version: '0.0.0-before-upgrade' }));
    for (const entry of ['node_modules', 'tsconfig.json']) symlinkSync(join(root, entry), join(old, entry));
    const current = join(codeDir, 'current');
    symlinkSync(old, current);
    const controlSocket = join(proxyDir, 'control.sock');
    const status = async () => {
      const [hello, answer] = await talk(controlSocket, [
        JSON.stringify({ v: 1, id: 1, type: 'hello', token: token() }),
        JSON.stringify({ v: 1, id: 2, type: 'status' }),
      ]);
      return { hello: hello!, status: answer! as { version: string; workerPids: number[]; upgrading: boolean } };
    };

    const previous = proxyPid();
    process.kill(previous, 'SIGTERM');
    await waitFor(() => !isAlive(previous), 20_000, 'the proxy to stop');
    const child = spawn(process.execPath, [join(current, 'bin', 'berth-proxy.js')], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        BERTH_DATA_DIR: dataDir,
        ...env,
      },
      stdio: 'ignore',
      detached: true,
    });
    child.unref();
    await waitFor(async () => (await get(proxyPort)) === 200, 60_000, 'the old release to serve the app');
    const supervisor = proxyPid();
    const before = await status();
    assert.equal(before.hello.version, '0.0.0-before-upgrade');
    assert.equal(before.status.workerPids.length, 2);

    // The new release goes live on disk; the daemon of the new version finds the old proxy and asks it to upgrade.
    symlinkSync(root, `${current}.next`);
    renameSync(`${current}.next`, current);
    const load = startLoadLoop(proxyPort, { freshClients: 2 });
    await new Promise((r) => setTimeout(r, 500));
    daemon = await startDaemonProcess({ dataDir, env, timeoutMs: 180_000 });
    await waitFor(
      async () => {
        const { status: now } = await status();
        return now.version === VERSION && !now.upgrading && now.workerPids.length === 2;
      },
      180_000,
      'the new workers',
    );
    // The old workers drain under load and exit (their keep-alive connections close after a response).
    await waitFor(() => before.status.workerPids.every((pid) => !isAlive(pid)), 60_000, 'the old workers to exit');
    await new Promise((r) => setTimeout(r, 500));
    const outcomes = await load.stop();
    console.log(`load loop across the proxy upgrade: ${outcomes.ok} ok, ${outcomes.failed.length} failed`);
    assert.deepEqual(outcomes.failed, []);
    assert.ok(outcomes.ok > 100, `only ${outcomes.ok} requests ran`);
    const after = await status();
    assert.equal(after.hello.version, VERSION);
    assert.equal(proxyPid(), supervisor, 'the supervisor was replaced');
    for (const pid of after.status.workerPids) assert.ok(!before.status.workerPids.includes(pid));
    assert.match(daemon.output(), /asking it to upgrade/);
  });
});
