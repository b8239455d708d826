/**
 * scripts/install.sh against the real Docker engine, as root, in an isolated install (own container
 * name, temp data dir, free ports) next to whatever else runs here: install, claim once, deploy a
 * fixture app, re-run the installer, upgrade to a second image while counting failed requests through
 * the proxy, upgrade to an image that cannot start (automatic rollback, data intact), then back up,
 * refuse a wrong passphrase, and restore into a fresh data dir with a second install.
 *
 * The Berth image is built by scripts/build-image.sh --local (BuildKit cache: seconds when nothing
 * changed; the same layers as the daemon-container test). Everything created here carries this run's
 * test label and is removed by name, tag or label in after().
 */
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.js';
import {
  apiClient,
  containersWithLabels,
  createAdminToken,
  removeProjectDockerObjects,
  type ApiClient,
} from '../helpers/daemon-api.js';
import { RUN_ID, TEST_IMAGES } from '../helpers/docker-test-env.js';
import {
  APP_IMAGE,
  BAD_IMAGE,
  BAD_RELEASE_MARKER,
  buildTestImages,
  docker,
  health,
  IMAGE,
  INSTALLER,
  installer,
  newInstall,
  probeApp,
  ROOT,
  run,
  tail,
  V2_IMAGE,
  V2_VERSION,
  type Install,
} from '../helpers/install-harness.js';
import { get } from '../helpers/load.js';

const NAME_A = `berth-test-${RUN_ID}-inst`;
const NAME_B = `berth-test-${RUN_ID}-restored`;
const PASSPHRASE = 'correct horse battery staple';

/** A panel session over real HTTP: cookies kept by hand, CSRF token read from the page. */
class PanelSession {
  private cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}

  async request(method: string, path: string, form?: Record<string, string>) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        origin: this.baseUrl,
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), location: res.headers.get('location') };
  }
}

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, `no CSRF token in:\n${html.slice(0, 400)}`);
  return match[1]!;
}

describe('scripts/install.sh: install, re-run, upgrade, rollback, backup and restore', { timeout: 400_000 }, () => {
  let a: Install;
  let b: Install;
  let api: ApiClient;
  let appHost: string;
  let session: PanelSession;
  const projectIds: string[] = [];

  before(
    async () => {
      const base = await docker(['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGES.node]);
      assert.equal(base.code, 0, `${TEST_IMAGES.node} is missing; run scripts/test-env.sh`);
      a = await newInstall(NAME_A);
      b = await newInstall(NAME_B);
      session = new PanelSession(a.baseUrl);
    },
    { timeout: 240_000 },
  );

  after(async () => {
    for (const target of [a, b]) {
      if (!target) continue;
      // The upgrader first: left running, it would start containers after the cleanup.
      await docker(['rm', '-f', `${target.name}-upgrader`]);
      await run('sh', [INSTALLER, '--uninstall', '--purge', '--name', target.name, '--data-dir', target.dataDir]);
      await docker(['rm', '-f', `${target.name}-previous`, `${target.name}-upgrader`]);
      rmSync(target.dataDir, { recursive: true, force: true });
    }
    await removeProjectDockerObjects(projectIds);
    await docker(['image', 'rm', V2_IMAGE, BAD_IMAGE, APP_IMAGE]);
  });

  it('passes shellcheck as POSIX sh', async () => {
    const result = await run('shellcheck', ['-s', 'sh', INSTALLER]).catch((error: Error) => ({
      code: -1,
      stdout: '',
      stderr: `shellcheck is not installed (scripts/test-env.sh installs it): ${error.message}`,
    }));
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('refuses to install when a port is taken, naming the process that holds it', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '0.0.0.0', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const taken = { ...b, name: `${b.name}-taken`, http: port };
      const result = await installer(taken, ['--image', IMAGE]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`port ${port} is in use by node \\(pid ${process.pid}\\)`));
      assert.equal((await docker(['container', 'inspect', taken.name])).code, 1, 'a container was started anyway');
    } finally {
      holder.close();
    }
  });

  it('installs: the panel answers and the one-time setup link claims it exactly once', async () => {
    // Built by the installer from this checkout, offline (host node_modules, local base image); the
    // BuildKit cache makes it seconds when nothing changed.
    const t0 = Date.now();
    const result = await installer(a, ['--image', IMAGE, '--build-from', ROOT, '--local-deps'], 240_000);
    assert.equal(result.code, 0, `installer failed:\n${tail(result.stdout + result.stderr)}`);
    process.stdout.write(`installer with an image build (Docker present): ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
    assert.match(result.stdout, new RegExp(`==> Building ${IMAGE}`));
    assert.match(result.stdout, /==> Checking the system/);
    assert.equal((await health(a))?.status, 'ok');
    assert.doesNotMatch(result.stdout + result.stderr, /password/i);
    // The app proxy runs as its own container (process mode), beside the daemon's.
    const proxy = await docker(['container', 'inspect', '--format', '{{.State.Running}}', `${a.name}-proxy`]);
    assert.equal(proxy.stdout.trim(), 'true', `no proxy container:\n${tail(result.stdout + result.stderr)}`);
    assert.match(readFileSync(join(a.dataDir, 'install.env'), 'utf8'), /^BERTH_PROXY_MODE=process$/m);

    const setupUrl = /^\s+(http:\/\/\S+\/setup\?token=\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(setupUrl, `no setup URL printed:\n${result.stdout}`);
    const path = new URL(setupUrl).pathname + new URL(setupUrl).search;
    const page = await session.request('GET', path);
    assert.equal(page.status, 200);
    const claim = await session.request('POST', '/setup', {
      _csrf: csrfOf(page.body.toString()),
      token: new URL(setupUrl).searchParams.get('token')!,
      email: 'owner@example.com',
      password: 'a-long-owner-password',
    });
    assert.equal(claim.status, 303, claim.body.toString().slice(0, 400));
    const again = await new PanelSession(a.baseUrl).request('GET', path);
    assert.notEqual(again.status, 200, 'the setup link worked twice');
  });

  it('deploys a fixture app through the installed daemon', async () => {
    await buildTestImages();
    api = apiClient(a.baseUrl, await createAdminToken(a.dataDir));
    const project = await api.request<{ id: string }>('POST', '/projects', { name: 'inst' });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    projectIds.push(project.body.id);
    const service = await api.request<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
      name: 'web',
      source: { type: 'image', image: APP_IMAGE },
      port: 3000,
      healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    const deployment = await api.request<{ id: string }>('POST', `/services/${service.body.id}/deployments`, {});
    assert.equal(deployment.status, 201, JSON.stringify(deployment.body));
    const done = await api.waitForDeployment(deployment.body.id);
    assert.equal(done.status, 'active', JSON.stringify(done));
    appHost = 'web-inst.localhost';
    const res = await get(a.http, appHost, '/');
    assert.equal(res.status, 200);
  });

  it('re-running the installer with the same image changes nothing and the app keeps answering', async () => {
    const probe = probeApp(a.http, appHost);
    const result = await installer(a, ['--image', IMAGE]);
    const load = await probe.stop();
    assert.equal(result.code, 0, tail(result.stdout + result.stderr));
    assert.match(result.stdout, /nothing to upgrade/);
    assert.match(result.stdout, /claimed: log in/);
    assert.equal(load.failed, 0, `requests failed during a no-op re-run: ${JSON.stringify(load)}`);
  });

  it('upgrades in place to a second image; apps keep running and the proxy container drops nothing', async () => {
    const appContainers = (await containersWithLabels({ 'berth.project': projectIds[0]! })).map((c) => c.id);
    assert.equal(appContainers.length, 1);
    const proxyId = async () =>
      (await docker(['container', 'inspect', '--format', '{{.Id}}', `${a.name}-proxy`])).stdout;
    const proxyBefore = await proxyId();
    const probe = probeApp(a.http, appHost);
    const result = await installer(a, ['--image', V2_IMAGE]);
    const load = await probe.stop();
    assert.equal(result.code, 0, tail(result.stdout + result.stderr));
    assert.equal((await health(a))?.version, V2_VERSION);
    const after = (await containersWithLabels({ 'berth.project': projectIds[0]! })).map((c) => c.id);
    assert.deepEqual(after, appContainers, 'the app container was replaced or removed by the upgrade');
    process.stdout.write(
      `upgrade: ${load.ok} requests ok, ${load.failed} failed; longest proxy gap ${load.longestGapMs} ms\n`,
    );
    // The proxy is its own container: the daemon's upgrade leaves it serving.
    assert.equal(await proxyId(), proxyBefore, 'the proxy container was replaced');
    assert.equal(load.failed, 0, `the proxy was down for ${load.longestGapMs} ms`);
    assert.equal((await get(a.http, appHost, '/')).status, 200);
    const projects = await api.request<unknown[]>('GET', '/projects');
    assert.equal(projects.body.length, 1);
    const status = JSON.parse(readFileSync(join(a.dataDir, 'upgrade', 'status.json'), 'utf8')) as { state: string };
    assert.equal(status.state, 'succeeded');
  });

  it('an upgrade from the panel to an image that cannot start rolls back on its own, data intact', async () => {
    // The CLI in the container checks the target before anything happens.
    const refused = await docker(['exec', a.name, 'berth', 'upgrade', '--to', 'x;reboot', '--no-wait']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /image name must be lower-case/);

    const probe = probeApp(a.http, appHost);
    const form = await session.request('GET', '/system');
    assert.equal(form.status, 200);
    assert.match(form.body.toString(), new RegExp(`This is Berth <strong id="running-version">${V2_VERSION}`));
    const started = await session.request('POST', '/system/upgrade', {
      _csrf: csrfOf(form.body.toString()),
      to: BAD_IMAGE,
    });
    assert.equal(started.status, 200, started.body.toString().slice(0, 600));
    assert.match(started.body.toString(), /Upgrading to/);
    const statusFile = join(a.dataDir, 'upgrade', 'status.json');
    const deadline = Date.now() + 120_000;
    let status: { state: string; reason?: string; to: string } | undefined;
    for (;;) {
      status = JSON.parse(readFileSync(statusFile, 'utf8')) as typeof status;
      if (status!.to === BAD_IMAGE && ['succeeded', 'rolled-back', 'failed'].includes(status!.state)) break;
      assert.ok(Date.now() < deadline, `the upgrade did not finish: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const load = await probe.stop();
    assert.equal(status!.state, 'rolled-back', JSON.stringify(status));
    // The failed release had changed the schema before dying; the snapshot put the old one back.
    const db = openDatabase(join(a.dataDir, 'berth.db'));
    try {
      const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db.db);
      const names = tables.rows.map((r) => r.name);
      assert.ok(names.includes('projects'));
      assert.equal(names.includes(BAD_RELEASE_MARKER), false, "the rollback kept the failed release's migration");
    } finally {
      await db.close();
    }
    assert.match(status!.reason ?? '', /simulated: database migration 0099 failed/);
    // Back on the previous version, with its data.
    const deadlineHealth = Date.now() + 30_000;
    while ((await health(a))?.version !== V2_VERSION && Date.now() < deadlineHealth)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal((await health(a))?.version, V2_VERSION);
    const projects = await api.request<Array<{ name: string }>>('GET', '/projects');
    assert.deepEqual(
      projects.body.map((p) => p.name),
      ['inst'],
    );
    assert.equal((await get(a.http, appHost, '/')).status, 200);
    process.stdout.write(`failed upgrade: ${load.failed} failed requests, longest gap ${load.longestGapMs} ms\n`);
    // The panel says why (the session survives: sessions live in the restored database).
    const page = await session.request('GET', '/system');
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /rolled back/);
    assert.match(page.body.toString(), /simulated: database migration 0099 failed/);
    const container = await docker([
      'inspect',
      '--format',
      '{{.Config.Image}} {{.HostConfig.RestartPolicy.Name}}',
      a.name,
    ]);
    assert.equal(container.stdout.trim(), `${V2_IMAGE} unless-stopped`);
  });

  it('backs up, refuses a wrong passphrase, and restores into a fresh data dir with the app redeployed', async () => {
    // The passphrase reaches the CLI as a file in the data dir, never on a command line.
    writeFileSync(join(a.dataDir, 'passphrase'), PASSPHRASE, { mode: 0o600 });
    const backup = await docker([
      'exec',
      a.name,
      'node',
      '/app/bin/berth.js',
      'backup',
      '--passphrase-file',
      '/var/lib/berth/passphrase',
      '--out',
      '/var/lib/berth/panel.berth',
    ]);
    rmSync(join(a.dataDir, 'passphrase'));
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    const archive = join(b.dataDir, '..', `${RUN_ID}-panel.berth`);
    writeFileSync(archive, readFileSync(join(a.dataDir, 'panel.berth')));
    const passFile = join(tmpdir(), `${RUN_ID}-pass`);
    try {
      assert.doesNotMatch(readFileSync(archive).toString('latin1'), /owner@example\.com/);
      // A wrong passphrase: a clear error and nothing written.
      writeFileSync(passFile, 'not the right passphrase', { mode: 0o600 });
      const wrong = await installer(b, ['--image', IMAGE, '--restore', archive, '--restore-passphrase-file', passFile]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr + wrong.stdout, /Wrong passphrase/);
      assert.equal(existsSync(join(b.dataDir, 'berth.db')), false);

      // The old server goes away (its app containers too), as when moving to a new machine.
      const gone = await run('sh', [
        INSTALLER,
        '--uninstall',
        '--remove-apps',
        '--name',
        a.name,
        '--data-dir',
        a.dataDir,
      ]);
      assert.equal(gone.code, 0, gone.stdout + gone.stderr);
      assert.match(gone.stdout, /removed 1 containers of 1 projects/);
      assert.deepEqual(await containersWithLabels({ 'berth.project': projectIds[0]! }), []);
      assert.ok(existsSync(join(a.dataDir, 'berth.db')), '--uninstall without --purge keeps the data dir');

      writeFileSync(passFile, PASSPHRASE, { mode: 0o600 });
      const restored = await installer(b, [
        '--image',
        IMAGE,
        '--restore',
        archive,
        '--restore-passphrase-file',
        passFile,
      ]);
      assert.equal(restored.code, 0, tail(restored.stdout + restored.stderr));
      assert.match(restored.stdout, /1 apps will be redeployed/);
      assert.match(restored.stdout, /claimed: log in/);
    } finally {
      rmSync(passFile, { force: true });
      rmSync(archive, { force: true });
    }
    // The API token from the backup works on the new install; the project and app are back.
    api.baseUrl = b.baseUrl;
    const projects = await api.request<Array<{ name: string }>>('GET', '/projects');
    assert.deepEqual(
      projects.body.map((p) => p.name),
      ['inst'],
    );
    const deadline = Date.now() + 90_000;
    let res = { status: 0, body: '' };
    while (Date.now() < deadline) {
      res = await get(b.http, appHost, '/').catch(() => ({ status: 0, body: '' }));
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(res.status, 200, `the restored app never answered on the new install: ${res.status} ${res.body}`);
  });
});
