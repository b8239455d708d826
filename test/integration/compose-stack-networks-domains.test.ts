/**
 * What closes issue 19's compose gaps, on the real engine through the daemon's API and proxy:
 * - compose `networks:`: two services on separate declared networks cannot reach each other by name, a
 *   third on both reaches both (and by an alias); each network is the stack's own, labelled, and goes
 *   with the stack;
 * - a custom domain on a stack routes to its routed service through the proxy (Host header), follows the
 *   replaced container across a redeploy, stops at once when removed, and goes with the stack;
 * - `env_file:` of a repository stack (a path beside the compose file in a subfolder, and one above it)
 *   reaches the container, under the service's own `environment:`;
 * - with Pebble installed, a stack domain gets a real ACME certificate (HTTP-01 answered by Berth's own
 *   proxy) and the stack answers over HTTPS on it, plain HTTP redirecting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connection.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { recoverStacks } from '../../src/stacks/stack-recovery.js';
import { stackNetworkName, stackSelector } from '../../src/workloads/stack-spec.js';
import { freePort } from '../helpers/daemon-process.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';
import { hasPebble, startPebble, type Pebble } from '../helpers/pebble.js';
import { getOver, until } from '../helpers/tls-client.js';

interface StackBody {
  id: string;
  status: string;
  error: string | null;
  url: string;
}

const BUSYBOX = 'berth-test/busybox:latest';
/**
 * A busybox web server answering `<name>-$GEN` on port 8080 (`$$`: not a compose variable); the shell stays
 * PID 1 and ends on SIGTERM, so a stop does not wait out the engine's timeout.
 */
const serve = (name: string) =>
  `["sh", "-c", "mkdir -p /www && echo ${name}-$$GEN > /www/index.html; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]`;

describe('compose stacks: networks, custom domains, env_file', () => {
  let h: Harness;
  let git: GitServer;
  let projectId: string;
  const runtime = new DockerRuntime(testDockerEndpoint());
  const stackIds: string[] = [];
  // With Pebble installed (scripts/test-env.sh), the daemon orders real certificates for custom domains.
  let pebble: Pebble | undefined;
  let httpsPort = 0;
  /** Berth's plain-HTTP proxy port (the harness's own, or the one Pebble validates against). */
  let proxyPort = 0;
  let envStackId = '';

  const waitForStack = async (id: string, timeoutMs = 180_000): Promise<StackBody> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await h.api<StackBody>('GET', `/stacks/${id}`);
      if (body.status === 'running' || body.status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`stack ${id} still ${body.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const deployed = async (id: string): Promise<StackBody> => {
    assert.equal((await h.api('POST', `/stacks/${id}/deploy`)).status, 202);
    const stack = await waitForStack(id);
    const log = (await h.api<{ log: string }>('GET', `/stacks/${id}/log`)).body.log;
    assert.equal(stack.status, 'running', `${stack.error}\n${log}`);
    return stack;
  };
  const containerOf = async (id: string, service: string): Promise<string> => {
    const found = (await runtime.listContainers(stackSelector(id))).filter(
      (c) => c.labels['berth.stack-service'] === service && c.state === 'running',
    );
    assert.equal(found.length, 1, `one running ${service}`);
    return found[0]!.id;
  };
  /** What `wget` of http://<name>:8080/ inside the container prints, or 'unreachable'. */
  const fetchFrom = async (containerId: string, name: string): Promise<string> => {
    // (This busybox's wget crashes with -T; a name not on a shared network fails at once: "bad address".)
    const result = await runtime.exec(containerId, ['wget', '-q', '-O', '-', `http://${name}:8080/`]);
    if (result.exitCode === 0) return result.stdout.trim();
    assert.match(result.stderr, /bad address/, `wget ${name}: ${result.exitCode} ${result.stderr}`);
    return 'unreachable';
  };

  before(async () => {
    let env: Record<string, string> = {};
    if (hasPebble()) {
      proxyPort = await freePort();
      httpsPort = await freePort();
      pebble = await startPebble({ httpPort: proxyPort });
      // The plain-HTTP checks use a name Pebble cannot validate (no certificate, so no redirect to HTTPS).
      await pebble.addARecord('wiki.example.test', '127.0.0.2');
      env = {
        BERTH_HTTP_PORT: String(proxyPort),
        BERTH_HTTPS_PORT: String(httpsPort),
        BERTH_ACME_DIRECTORY: pebble.directoryUrl,
        BERTH_ACME_CA_FILE: pebble.caFile,
        BERTH_DNS_RESOLVER: pebble.dnsServer,
        BERTH_PUBLIC_IPS: '127.0.0.1',
        BERTH_LOG_LEVEL: 'error',
      };
    }
    h = await startHarness(env, {
      certificateTiming: {
        retryBaseMs: 400,
        retryMaxMs: 3200,
        checkSchedule: '* * * * * *',
        pollMinMs: 100,
        pollMaxMs: 500,
      },
    });
    if (!pebble) proxyPort = h.proxyPort;
    git = await startGitServer();
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'stacknets' });
    assert.equal(project.status, 201);
    projectId = project.body.id;
  });

  after(async () => {
    for (const id of stackIds) {
      await runtime.removeContainersByLabel(stackSelector(id));
      for (const network of await runtime.listNetworks(stackSelector(id)).catch(() => []))
        await runtime.removeNetwork(network.name).catch(() => {});
    }
    await h?.close();
    await git?.close();
    await pebble?.close();
  });

  it('joins each service to its own networks only, and a custom domain follows the routed service', async () => {
    const compose = [
      'services:',
      '  front:',
      `    image: ${BUSYBOX}`,
      `    command: ${serve('front')}`,
      '    environment: ["GEN=${GEN}"]',
      '    networks: [one]',
      '  back:',
      `    image: ${BUSYBOX}`,
      `    command: ${serve('back')}`,
      '    environment: [GEN=1]',
      '    networks: [two]',
      '  hub:',
      `    image: ${BUSYBOX}`,
      `    command: ${serve('hub')}`,
      '    environment: ["GEN=${GEN}"]',
      '    networks:',
      '      one:',
      '      two:',
      '        aliases: [gateway]',
      'networks:',
      '  one: {}',
      '  two:',
      '    internal: true',
      '',
    ].join('\n');
    const created = await h.api<StackBody>('POST', `/projects/${projectId}/stacks`, {
      name: 'nets',
      source: { type: 'paste', compose },
      routedService: 'hub',
      routedPort: 8080,
      variables: { GEN: 'g1' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    stackIds.push(id);
    const first = await deployed(id);
    const host = new URL(first.url).hostname;
    assert.deepEqual(await get(proxyPort, host), { status: 200, body: 'hub-g1\n' });

    const [front, back, hub] = [
      await containerOf(id, 'front'),
      await containerOf(id, 'back'),
      await containerOf(id, 'hub'),
    ];
    assert.equal(await fetchFrom(hub, 'front'), 'front-g1');
    assert.equal(await fetchFrom(hub, 'back'), 'back-1');
    assert.equal(await fetchFrom(front, 'back'), 'unreachable', 'front and back share no network');
    assert.equal(await fetchFrom(back, 'front'), 'unreachable', 'back and front share no network');
    assert.equal(await fetchFrom(back, 'gateway'), 'hub-g1', 'the alias answers on its network');
    assert.equal(await fetchFrom(front, 'gateway'), 'unreachable', 'an alias lives on its own network only');
    // After a restart the route comes back on the network the proxy uses (hub is not on `default`).
    const handle = openDatabase(join(h.dataDir, 'berth.db'));
    try {
      const table = new RouteTable();
      assert.equal(await recoverStacks({ db: handle.db, runtime, router: table }, async () => [host]), 1);
      const address = (await runtime.inspectContainer(hub))!.ipAddresses[stackNetworkName(id, 'one')];
      assert.deepEqual(
        table.routeOf(id)?.upstreams.map((u) => [u.id, u.host, u.port]),
        [[hub, address, 8080]],
      );
    } finally {
      await handle.close();
    }
    const networks = (await runtime.listNetworks(stackSelector(id))).map((n) => n.name).sort();
    assert.deepEqual(networks, [stackNetworkName(id), stackNetworkName(id, 'one'), stackNetworkName(id, 'two')].sort());

    // A custom domain: refused when taken or under the apps domain, routes through the proxy, follows a redeploy.
    assert.deepEqual((await h.api('GET', `/stacks/${id}/domains`)).body, []);
    const added = await h.api<{ id: string; hostname: string }>('POST', `/stacks/${id}/domains`, {
      hostname: 'Wiki.Example.TEST.',
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.hostname, 'wiki.example.test');
    assert.equal((await h.api('POST', `/stacks/${id}/domains`, { hostname: 'wiki.example.test' })).status, 409);
    assert.deepEqual(await get(proxyPort, 'wiki.example.test'), { status: 200, body: 'hub-g1\n' });

    assert.equal((await h.api('PUT', `/stacks/${id}/variables`, { GEN: 'g2' })).status, 200);
    await deployed(id);
    const hubAfter = await containerOf(id, 'hub');
    assert.notEqual(hubAfter, hub, 'the routed service was replaced');
    assert.deepEqual(await get(proxyPort, 'wiki.example.test'), { status: 200, body: 'hub-g2\n' });
    assert.deepEqual(await get(proxyPort, host), { status: 200, body: 'hub-g2\n' });

    assert.equal((await h.api('DELETE', `/stacks/${id}/domains/${added.body.id}`)).status, 204);
    assert.equal((await get(proxyPort, 'wiki.example.test')).status, 404, 'a removed domain stops at once');
    assert.equal((await get(proxyPort, host)).status, 200, 'the stack address still answers');

    const again = await h.api<{ id: string }>('POST', `/stacks/${id}/domains`, { hostname: 'wiki.example.test' });
    assert.equal(again.status, 201);
    assert.equal((await get(proxyPort, 'wiki.example.test')).status, 200);
    assert.equal((await h.api('DELETE', `/stacks/${id}`, { confirm: 'nets' })).status, 204);
    assert.equal((await get(proxyPort, 'wiki.example.test')).status, 404, 'the stack’s domains go with it');
    assert.deepEqual(await runtime.listNetworks(stackSelector(id)), [], 'every network of the stack is removed');
    assert.deepEqual(await runtime.listContainers(stackSelector(id)), []);
  });

  it('reads env_file from the repository beside the compose file, under environment:', async () => {
    const repo = await git.createRepo('envstack', {
      '.env': 'FROM_ROOT=root\nSHARED=root\n',
      'deploy/app.env': '# the app\nSHARED=app\nOWN=from-file\nQUOTED="two words"\n',
      'deploy/docker-compose.yml': [
        'services:',
        '  web:',
        `    image: ${BUSYBOX}`,
        `    command: ${serve('web')}`,
        '    env_file:',
        '      - ../.env',
        '      - path: app.env',
        '      - path: ./missing.env',
        '        required: false',
        '    environment:',
        '      OWN: from-environment',
        '      GEN: e1',
        '',
      ].join('\n'),
    });
    const created = await h.api<StackBody>('POST', `/projects/${projectId}/stacks`, {
      name: 'envs',
      source: { type: 'repo', url: repo.url, branch: 'main', path: 'deploy/docker-compose.yml' },
      routedService: 'web',
      routedPort: 8080,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    stackIds.push(created.body.id);
    envStackId = created.body.id;
    const stack = await deployed(created.body.id);
    assert.deepEqual(await get(proxyPort, new URL(stack.url).hostname), { status: 200, body: 'web-e1\n' });
    const web = await containerOf(created.body.id, 'web');
    const lines = (await runtime.exec(web, ['env'])).stdout.split('\n');
    const env = async (name: string) => lines.find((l) => l.startsWith(`${name}=`))?.slice(name.length + 1);
    assert.equal(await env('FROM_ROOT'), 'root');
    assert.equal(await env('SHARED'), 'app', 'a later file wins');
    assert.equal(await env('OWN'), 'from-environment', 'environment: wins over env_file');
    assert.equal(await env('QUOTED'), 'two words');

    // The same file pasted is refused naming the line.
    const pasted = await h.api<{ error: { message: string } }>('POST', `/projects/${projectId}/stacks`, {
      name: 'pasted-env',
      source: { type: 'paste', compose: `services:\n  web:\n    image: ${BUSYBOX}\n    env_file: .env\n` },
      routedService: 'web',
      routedPort: 8080,
    });
    assert.equal(pasted.status, 422);
    assert.match(pasted.body.error.message, /line 4: services\.web\.env_file: env_file: a pasted stack has no files/);
  });

  it(
    'a stack domain gets a certificate from the ACME CA and answers over HTTPS',
    { skip: !hasPebble() && 'pebble is not installed' },
    async () => {
      assert.ok(envStackId, 'the env_file stack runs');
      const added = await h.api<{ id: string }>('POST', `/stacks/${envStackId}/domains`, {
        hostname: 'secure.berth.test',
      });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      const issued = await until('the stack domain’s certificate', async () => {
        const list = (
          await h.api<{ hostname: string; certificate: { serving: string; issuer: string | null } }[]>(
            'GET',
            `/stacks/${envStackId}/domains`,
          )
        ).body;
        const domain = list.find((d) => d.hostname === 'secure.berth.test');
        return domain?.certificate.serving === 'issued' ? domain : undefined;
      });
      assert.match(String(issued.certificate.issuer), /Pebble/i);
      const roots = await pebble!.roots();
      // The status says "issued" once the certificate is stored; the HTTPS listener picks it up just after
      // (a loaded CI run reset one handshake in between), so the first handshakes get a few seconds.
      let lastError = '';
      const res = await until(
        async () => `an HTTPS answer for the stack domain (last: ${lastError})`,
        async () =>
          getOver(true, httpsPort, 'secure.berth.test', '/', roots).catch((error: Error) => {
            lastError = error.message;
            return undefined;
          }),
        10_000,
      );
      assert.deepEqual([res.status, res.body], [200, 'web-e1\n']);
      assert.equal((await getOver(false, proxyPort, 'secure.berth.test', '/')).status, 308);
    },
  );
});
