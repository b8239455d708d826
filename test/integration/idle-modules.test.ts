/**
 * What an idle Berth loads (issue 17: daemon + proxy under 150 MB): a daemon in process mode with the proxy's
 * tree (one worker) beside it, claimed through the setup link, the dashboard and the proxy asked once each.
 * Every process records the modules it loaded (test/helpers/loaded-modules-preload.mjs, via NODE_OPTIONS),
 * and the libraries that are loaded only on first use (OpenID Connect, QR codes, passkeys, mail,
 * Kubernetes, ACME, the certificate generator, the terminal log formatter) must not be among them, nor may
 * the proxy's supervisor load the proxy itself or a worker the daemon's web stack and database. No timing,
 * no memory reading: a module list is exact where resident memory is noisy (bench:memory measures that).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { FetchClient } from '../helpers/fetch-client.js';
import { csrfTokenOf } from '../helpers/inject-client.js';

const PROXY_BIN = fileURLToPath(new URL('../../bin/berth-proxy.js', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../helpers/loaded-modules-preload.mjs', import.meta.url));

/** Loaded only when first needed (each by its wrapper); an idle daemon or proxy has none of them. */
const ON_FIRST_USE = [
  'openid-client',
  'qrcode',
  '@simplewebauthn/server',
  'nodemailer',
  '@kubernetes/client-node',
  'acme-client',
  // acme-client's certificate library: Berth's own self-signed certificates are made without it.
  '@peculiar/x509',
  'pino-pretty',
];
/** The daemon's web stack, database and engine client: never in the proxy's processes. */
const DAEMON_ONLY = ['fastify', 'kysely', 'better-sqlite3', 'dockerode', 'ssh2', 'eta'];

interface Loaded {
  role: string;
  modules: string[];
}

/** The package names in a module list (the last node_modules/<name> of each path). */
function packagesOf(loaded: Loaded): Set<string> {
  const names = new Set<string>();
  for (const module of loaded.modules) {
    const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(decodeURIComponent(module));
    if (match) names.add(match[1]!);
  }
  return names;
}

const hasSource = (loaded: Loaded, file: string) =>
  loaded.modules.some((module) => new RegExp(`/(src|dist)/${file}\\.(ts|js)$`).test(module));

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

describe('idle module graph (daemon + proxy tree)', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-idle-modules-'));
  const modulesDir = mkdtempSync(join(tmpdir(), 'berth-idle-modules-list-'));
  const env = { NODE_OPTIONS: `--import=${PRELOAD}`, BERTH_TEST_MODULES_DIR: modulesDir };
  const proxyEnv = {
    BERTH_PROXY_MODE: 'process',
    BERTH_PROXY_EXTERNAL: 'true',
    BERTH_PROXY_WORKERS: '1',
  };
  let proxy: ChildProcess | undefined;
  let daemon: DaemonProcess | undefined;
  let proxyPort = 0;
  let proxyOutput = '';
  let daemonLoaded: Loaded;
  let supervisorLoaded: Loaded;
  let workerLoaded: Loaded;

  before(async () => {
    proxyPort = await freePort();
    proxy = spawn(process.execPath, [PROXY_BIN], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        BERTH_DATA_DIR: dataDir,
        BERTH_HTTP_PORT: String(proxyPort),
        BERTH_HTTPS_PORT: String(await freePort()),
        BERTH_PROXY_HOST: '127.0.0.1',
        BERTH_LOG_LEVEL: 'warn',
        ...proxyEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proxy.stdout!.on('data', (chunk: Buffer) => (proxyOutput += chunk.toString()));
    proxy.stderr!.on('data', (chunk: Buffer) => (proxyOutput += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(dataDir, 'proxy', 'control.sock'))) {
      if (proxy.exitCode !== null || Date.now() > deadline) throw new Error(`the proxy did not start:\n${proxyOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    daemon = await startDaemonProcess({ dataDir, env: { ...proxyEnv, ...env } });
    assert.ok(daemon.setupUrl, `no setup link:\n${daemon.output()}`);

    // The first-run setup, as a new owner does it, then the signed-in dashboard and an answer of the proxy.
    const client = new FetchClient(daemon.baseUrl);
    const setup = new URL(daemon.setupUrl);
    const form = await client.get(setup.pathname + setup.search);
    const claimed = await client.postForm('/setup', {
      _csrf: csrfTokenOf(form.body),
      token: setup.searchParams.get('token')!,
      email: 'owner@example.com',
      password: 'a-long-test-password',
    });
    assert.equal(claimed.statusCode, 303, claimed.body.slice(0, 300));
    assert.equal((await client.get('/')).statusCode, 200);
    // An unknown host: the worker answers 404 itself, once it has the daemon's routes.
    const proxied = await fetch(`http://127.0.0.1:${proxyPort}/`);
    await proxied.arrayBuffer();
    assert.equal(proxied.status, 404);

    // The lists are complete once each process has exited (the CommonJS cache is written at exit).
    await daemon.stop();
    await stopChild(proxy);
    const lists: Loaded[] = readdirSync(modulesDir).map((name) => {
      const [first, ...modules] = readFileSync(join(modulesDir, name), 'utf8').trim().split('\n');
      return { role: first!.replace(/^role: /, ''), modules };
    });
    const find = (what: string, match: (loaded: Loaded) => boolean) => {
      const found = lists.filter(match);
      assert.equal(found.length, 1, `one ${what} process expected, got: ${lists.map((l) => l.role).join('; ')}`);
      return found[0]!;
    };
    daemonLoaded = find('daemon', (loaded) => hasSource(loaded, 'main'));
    supervisorLoaded = find('supervisor', (loaded) => hasSource(loaded, 'proxy/process/proxy-supervisor'));
    workerLoaded = find('worker', (loaded) => loaded.role === 'cluster-worker');
  });

  after(async () => {
    await daemon?.stop();
    if (proxy) await stopChild(proxy);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(modulesDir, { recursive: true, force: true });
  });

  it('the daemon loads none of the first-use libraries', () => {
    const packages = packagesOf(daemonLoaded);
    // The list is real: what every request needs is in it.
    for (const needed of ['fastify', 'kysely', 'better-sqlite3']) assert.ok(packages.has(needed), needed);
    for (const lazy of ON_FIRST_USE) assert.ok(!packages.has(lazy), `the idle daemon loaded ${lazy}`);
  });

  it('the supervisor loads neither the proxy nor the daemon', () => {
    const packages = packagesOf(supervisorLoaded);
    for (const heavy of [...ON_FIRST_USE, ...DAEMON_ONLY, 'http-proxy']) {
      assert.ok(!packages.has(heavy), `the supervisor loaded ${heavy}`);
    }
    for (const file of ['proxy/proxy-server', 'proxy/process/proxy-worker', 'tls/sni-contexts']) {
      assert.ok(!hasSource(supervisorLoaded, file), `the supervisor loaded ${file}`);
    }
  });

  it("a worker loads the proxy and none of the daemon's or the supervisor's code", () => {
    const packages = packagesOf(workerLoaded);
    assert.ok(packages.has('http-proxy'), 'the worker runs the proxy');
    assert.ok(hasSource(workerLoaded, 'proxy/process/proxy-worker'));
    for (const heavy of [...ON_FIRST_USE, ...DAEMON_ONLY]) assert.ok(!packages.has(heavy), `a worker loaded ${heavy}`);
    for (const file of ['proxy/process/proxy-supervisor', 'proxy/process/control-server']) {
      assert.ok(!hasSource(workerLoaded, file), `a worker loaded ${file}`);
    }
  });
});
