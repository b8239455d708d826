/**
 * Compose stacks on the real engine, through the daemon's API and proxy: a two-service file from a git
 * repository (a web app built from the fixture's Dockerfile, and the local Postgres image behind a
 * service_healthy condition) deploys and answers on the stack's URL; the web app reaches the database by
 * its service name; a redeploy after a variable change drops no request of a keep-alive load and leaves
 * the unchanged database container running; a forbidden option is refused over the API naming its line;
 * deleting the stack removes its containers, network and (asked) volumes; a test-only template (its image
 * built from an inline Dockerfile) installs with a generated secret that is never returned, and answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connection.js';
import { RouteTable } from '../../src/proxy/route-table.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { recoverStacks } from '../../src/stacks/stack-recovery.js';
import { stackNetworkName, stackSelector, stackVolumeName } from '../../src/workloads/stack-spec.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer } from '../helpers/git-server.js';
import { get, startLoad } from '../helpers/load.js';

interface StackBody {
  id: string;
  status: string;
  error: string | null;
  url: string;
  generation: number;
  variables: Record<string, { value: string | null; secret: boolean }>;
}

describe('compose stacks on the real engine', () => {
  let h: Harness;
  let git: GitServer;
  let projectId: string;
  const runtime = new DockerRuntime(testDockerEndpoint());
  const stackIds: string[] = [];

  const waitForStack = async (id: string, timeoutMs = 240_000): Promise<StackBody> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await h.api<StackBody>('GET', `/stacks/${id}`);
      if (body.status === 'running' || body.status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`stack ${id} still ${body.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const logOf = async (id: string) => (await h.api<{ log: string }>('GET', `/stacks/${id}/log`)).body.log;

  before(async () => {
    h = await startHarness({ BERTH_TEMPLATES_DIR: fileURLToPath(new URL('../fixtures/templates/', import.meta.url)) });
    git = await startGitServer();
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'stacks' });
    assert.equal(project.status, 201);
    projectId = project.body.id;
  });

  after(async () => {
    for (const id of stackIds) {
      await runtime.removeContainersByLabel(stackSelector(id));
      await runtime.removeNetwork(stackNetworkName(id)).catch(() => {});
      await runtime.removeVolume(stackVolumeName(id, 'pgdata')).catch(() => {});
    }
    await h?.close();
    await git?.close();
  });

  it('deploys a two-service compose file from a repository, answers on its URL, and redeploys with no failed request', async () => {
    const repo = await git.createRepo('stack', fixtureFiles('stack-web-db'));
    const created = await h.api<StackBody>('POST', `/projects/${projectId}/stacks`, {
      name: 'shop',
      source: { type: 'repo', url: repo.url, branch: 'main', path: 'docker-compose.yml' },
      routedService: 'web',
      routedPort: 3000,
      variables: { GREETING: 'v1', DB_PASSWORD: { value: 'pg-secret-1', secret: true } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    stackIds.push(id);
    assert.deepEqual(created.body.variables.DB_PASSWORD, { value: null, secret: true }, 'a secret is never echoed');

    assert.equal((await h.api('POST', `/stacks/${id}/deploy`)).status, 202);
    const first = await waitForStack(id);
    assert.equal(first.status, 'running', `${first.error}\n${await logOf(id)}`);
    const host = new URL(first.url).hostname;
    assert.equal(host, 'shop-stacks.localhost');
    assert.deepEqual(await get(h.proxyPort, host), { status: 200, body: 'v1' });
    assert.deepEqual(await get(h.proxyPort, host, '/db'), { status: 200, body: 'db reachable' });
    const log = await logOf(id);
    assert.match(log, /web waits for db \(service_healthy\)/);
    assert.doesNotMatch(log, /pg-secret-1/);

    const containers = await runtime.listContainers(stackSelector(id));
    const db = containers.find((c) => c.labels['berth.stack-service'] === 'db')!;
    assert.equal(db.labels['berth.project'], projectId, 'labelled with the project');
    const network = await runtime.listNetworks(stackSelector(id));
    assert.deepEqual(
      network.map((n) => n.name),
      [stackNetworkName(id)],
    );

    // After a restart the route comes from the database and the engine: the running web container.
    const handle = openDatabase(join(h.dataDir, 'berth.db'));
    try {
      const table = new RouteTable();
      assert.equal(await recoverStacks({ db: handle.db, runtime, router: table }, async () => [host]), 1);
      const web = containers.find((c) => c.labels['berth.stack-service'] === 'web')!;
      assert.deepEqual(
        table.routeOf(id)?.upstreams.map((u) => [u.id, u.port]),
        [[web.id, 3000]],
      );
    } finally {
      await handle.close();
    }

    assert.equal((await h.api('PUT', `/stacks/${id}/variables`, { GREETING: 'v2' })).status, 200);
    const load = startLoad({ port: h.proxyPort, host, connections: 6, maxSeconds: 240 });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await h.api('POST', `/stacks/${id}/deploy`)).status, 202);
    const second = await waitForStack(id);
    await new Promise((r) => setTimeout(r, 500));
    const result = await load.stop();
    assert.equal(second.status, 'running', `${second.error}\n${await logOf(id)}`);
    assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
    assert.ok(result.ok > 20, `only ${result.ok} requests went through`);
    assert.deepEqual(result.bodies, ['v1', 'v2']);
    assert.deepEqual(await get(h.proxyPort, host), { status: 200, body: 'v2' });
    const after = await runtime.listContainers(stackSelector(id));
    assert.equal(after.length, 2, after.map((c) => c.name).join(', '));
    assert.ok(
      after.some((c) => c.id === db.id),
      'the unchanged database kept its container',
    );
    assert.match(await logOf(id), /db is unchanged/);

    const refused = await h.api('DELETE', `/stacks/${id}`, { confirm: 'nope' });
    assert.equal(refused.status, 400 <= refused.status && refused.status < 500 ? refused.status : -1);
    assert.equal((await h.api('DELETE', `/stacks/${id}`, { confirm: 'shop', deleteVolumes: true })).status, 204);
    assert.deepEqual(await runtime.listContainers(stackSelector(id)), []);
    assert.deepEqual(await runtime.listNetworks(stackSelector(id)), []);
    assert.equal((await get(h.proxyPort, host)).status, 404);
    assert.equal((await h.api('GET', `/stacks/${id}`)).status, 404);
  });

  it('refuses a forbidden option over the API, naming the line, and stores nothing', async () => {
    const compose = [
      'x-danger: &danger',
      '  volumes:',
      '    - /var/run/docker.sock:/var/run/docker.sock',
      'services:',
      '  web:',
      '    image: berth-test/busybox:latest',
      '    privileged: true',
      '  side:',
      '    <<: *danger',
      '    image: berth-test/busybox:latest',
      '',
    ].join('\n');
    const check = await h.api<{ ok: boolean; problems: { line: number; field: string }[] }>(
      'POST',
      `/projects/${projectId}/stacks/check`,
      { compose },
    );
    assert.equal(check.status, 200);
    assert.equal(check.body.ok, false);
    assert.deepEqual(
      check.body.problems.map((p) => [p.line, p.field]),
      [
        [7, 'services.web.privileged'],
        [3, 'services.side.volumes.0'],
      ],
    );
    const res = await h.api<{ error: { code: string; message: string; details: Record<string, string> } }>(
      'POST',
      `/projects/${projectId}/stacks`,
      { name: 'bad', source: { type: 'paste', compose }, routedService: 'web', routedPort: 80 },
    );
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.match(res.body.error.message, /line 7: services\.web\.privileged: privileged: true/);
    assert.match(res.body.error.message, /line 3: services\.side\.volumes\.0: binding \/var\/run\/docker\.sock/);
    assert.deepEqual((await h.api<unknown[]>('GET', `/projects/${projectId}/stacks`)).body, []);
  });

  it('installs a template with a generated secret that is never returned, and it answers on its URL', async () => {
    const listed = await h.api<{ id: string }[]>('GET', '/templates');
    assert.deepEqual(
      listed.body.map((t) => t.id),
      ['echo-secret'],
    );
    const installed = await h.api<{ stack: StackBody; generated: string[] }>(
      'POST',
      `/projects/${projectId}/templates/echo-secret`,
      { name: 'echo', variables: { GREETING: 'hi' } },
    );
    assert.equal(installed.status, 201, JSON.stringify(installed.body));
    const id = installed.body.stack.id;
    stackIds.push(id);
    assert.deepEqual(installed.body.generated, ['APP_SECRET']);
    assert.deepEqual(installed.body.stack.variables.APP_SECRET, { value: null, secret: true });
    const ready = await waitForStack(id);
    assert.equal(ready.status, 'running', `${ready.error}\n${await logOf(id)}`);
    const host = new URL(ready.url).hostname;
    const answer = await get(h.proxyPort, host);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, `secret:64 greeting:hi url:${ready.url}`);
    assert.equal((await h.api('DELETE', `/stacks/${id}`, { confirm: 'echo' })).status, 204);
  });
});
