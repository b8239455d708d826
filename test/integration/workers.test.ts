/**
 * Worker processes on real Docker: a Dockerfile app whose Procfile has `web:` and `worker:` (a shell loop
 * writing a heartbeat). After the deploy the worker runs, scaled to 2 its replicas run and are never routed;
 * a redeploy replaces them with the new release's (new ids, the new image) only after the web process went
 * live (a restarted daemon starts missing ones); a failing web deploy leaves the old workers alone; a type gone from the Procfile stops; a rollback
 * restores the workers of the release rolled back to; 0 replicas stops them; deleting the service removes them.
 * A second service with a volume: its worker writes a file the web process serves; with the volume not
 * shared, a redeploy stops the old worker with the old web container before the new ones start, and a
 * failed deploy starts both again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels, createFixtureService, inspectContainer, waitForLogLine } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { DockerRuntime } from '../../src/runtime/docker.js';

const HOST = 'web-workers.localhost';
const WORKER_SH = [
  '#!/bin/sh',
  '# A worker: a heartbeat line every second, with the release it belongs to; exits on SIGTERM.',
  "trap 'echo worker stopping; exit 0' TERM",
  'echo "worker started $(cat VERSION)"',
  'while true; do echo "beat $(cat VERSION)"; date +%s > /tmp/heartbeat; sleep 1; done',
  '',
].join('\n');
const PROCFILE = 'web: node server.mjs\nworker: sh worker.sh\n';

type Process = { type: string; command: string; replicas: number; running: number; state: string };

describe('worker processes', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let serviceId = '';

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('workers-app', {
      ...fixtureFiles('dockerfile-app'),
      VERSION: 'v1\n',
      Procfile: PROCFILE,
      'worker.sh': WORKER_SH,
    });
    // A second of stabilisation, not three: nothing here is about the window, and the file deploys often.
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ serviceId } = await createFixtureService(h.api, { project: 'workers', service: 'web', repoUrl: repo.url }));
  });
  let volumeServiceId = '';
  after(async () => {
    await h?.close();
    await git?.close();
    if (volumeServiceId) {
      const engine = new DockerRuntime(testDockerEndpoint());
      for (const v of await engine.listVolumes({ 'berth.service': volumeServiceId }).catch(() => [])) {
        await engine.removeVolume(v.name).catch(() => {});
      }
    }
  });

  const deploy = async () => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id);
  };
  /** The deployment is active once the web process serves; its workers follow (this line ends that step). */
  const workersSettled = (id: unknown, pattern = /worker container\(s\) running/) =>
    waitForLogLine(h.api, String(id), pattern, 60_000);
  const workers = async () =>
    (await containersWithLabels({ 'berth.service': serviceId, 'berth.role': 'worker' })).sort((a, b) =>
      a.labels['berth.replica']!.localeCompare(b.labels['berth.replica']!),
    );
  const processes = async () =>
    (await h.api<{ activeDeploymentId: string; processes: Process[] }>('GET', `/services/${serviceId}/processes`)).body;
  const scale = (type: string, replicas: unknown) =>
    h.api<Process & { error?: { code: string } }>('PATCH', `/services/${serviceId}/processes/${type}`, { replicas });
  const logOf = async (id: string) => (await h.api<{ lines: string[] }>('GET', `/deployments/${id}/logs`)).body.lines;

  let first: Record<string, unknown>;
  let second: Record<string, unknown>;
  let secondWorkerIds: string[] = [];

  it('runs one worker after the deploy, and two once scaled, none of them routed', async () => {
    first = await deploy();
    assert.equal(first.status, 'active', String(first.error));
    await workersSettled(first.id);
    const listed = await processes();
    assert.equal(listed.activeDeploymentId, first.id);
    assert.deepEqual(listed.processes, [
      { type: 'worker', command: 'sh worker.sh', replicas: 1, running: 1, state: 'running' },
    ]);

    const scaled = await scale('worker', 2);
    assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    assert.equal(scaled.body.replicas, 2);
    const running = (await workers()).filter((c) => c.state === 'running');
    assert.deepEqual(
      running.map((c) => [c.labels['berth.deployment'], c.labels['berth.process'], c.labels['berth.replica']]),
      [
        [first.id, 'worker', '1'],
        [first.id, 'worker', '2'],
      ],
    );
    for (const c of running) {
      assert.equal(c.labels['berth.port'], undefined, 'a worker has no port');
      const details = await inspectContainer(c.id);
      assert.equal(details?.image, first.image);
    }
    // Every request reaches the web process: no upstream is a worker (it listens nowhere: a 502 otherwise).
    for (let i = 0; i < 12; i++) {
      const res = await get(h.proxyPort, HOST);
      assert.deepEqual([res.status, res.body], [200, 'v1']);
    }
    assert.equal((await scale('worker', 21)).status, 422);
    assert.ok([400, 422].includes((await scale('worker', 1.5)).status), 'not a whole number');
    const unknown = await scale('clock', 1);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error?.code, 'NOT_FOUND');
  });

  it('starts the missing workers of the active release when the daemon starts again', async () => {
    const { dataDir } = h;
    const projectIds = [...h.projectIds];
    await h.daemon.close();
    // What a daemon that died between a switch and the workers' start leaves: a replica missing.
    const missing = (await workers()).find((c) => c.labels['berth.replica'] === '2')!;
    const engine = new DockerRuntime(testDockerEndpoint());
    await engine.stopContainer(missing.id, 1);
    await engine.removeContainer(missing.id);
    h = await startHarness({ BERTH_DATA_DIR: dataDir });
    h.projectIds.push(...projectIds);
    const deadline = Date.now() + 30_000;
    let running: string[] = [];
    while (Date.now() < deadline) {
      running = (await workers()).filter((c) => c.state === 'running').map((c) => c.labels['berth.replica']!);
      if (running.length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(running, ['1', '2']);
    assert.ok((await workers()).every((c) => c.labels['berth.deployment'] === first.id));
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1', 'and the web process is routed again');
  });

  it('replaces the workers with the new release’s only after the web process went live', async () => {
    const oldIds = (await workers()).map((c) => c.id);
    await repo.commit({ VERSION: 'v2\n' }, 'release v2');
    second = await deploy();
    assert.equal(second.status, 'active', String(second.error));
    await workersSettled(second.id, /previous release's workers stopped/);
    const now = await workers();
    secondWorkerIds = now.map((c) => c.id);
    assert.equal(now.length, 2);
    assert.ok(
      now.every((c) => c.labels['berth.deployment'] === second.id && c.state === 'running'),
      'the new release’s two workers run',
    );
    assert.ok(!now.some((c) => oldIds.includes(c.id)), 'the container ids changed');
    for (const c of now) assert.equal((await inspectContainer(c.id))?.image, second.image);
    const lines = await logOf(String(second.id));
    const switched = lines.findIndex((l) => /Traffic switched/.test(l));
    const started = lines.findIndex((l) => /Started worker 1/.test(l));
    const stopped = lines.findIndex((l) => /Stopping 2 worker container\(s\) of the previous release/.test(l));
    assert.ok(switched >= 0 && started > switched, `workers start after the switch:\n${lines.join('\n')}`);
    assert.ok(stopped > started, 'the old workers stop after the new ones started');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2');

    // The service's runtime logs carry the workers' lines, named by type and replica, and filter by process.
    const logs = async (query: string) =>
      (await h.api<{ lines: string[] }>('GET', `/services/${serviceId}/logs?tail=20${query}`)).body.lines;
    const workerLines = await logs('&process=worker');
    assert.ok(
      workerLines.some((l) => /^\[worker\.1\] beat v2$/.test(l)),
      workerLines.join('\n'),
    );
    assert.ok(
      workerLines.some((l) => /^\[worker\.2\] beat v2$/.test(l)),
      workerLines.join('\n'),
    );
    assert.ok(!(await logs('&process=web')).some((l) => /beat/.test(l)), 'web lines only');
    assert.ok(
      (await logs('')).some((l) => /\[worker\.1\] beat v2/.test(l)),
      'all processes by default',
    );
  });

  it('leaves the old workers running when the web process of a deploy fails', async () => {
    await repo.commit({ 'server.mjs': 'process.exit(3);\n' }, 'a web process that dies');
    const failed = await deploy();
    assert.equal(failed.status, 'failed');
    const now = await workers();
    assert.deepEqual(
      now.map((c) => c.id),
      secondWorkerIds,
    );
    assert.ok(now.every((c) => c.state === 'running'));
    assert.equal((await processes()).activeDeploymentId, second.id);
  });

  it('stops a process type gone from the Procfile, and a rollback brings back the workers it had', async () => {
    await repo.commit(
      {
        'server.mjs': fixtureFiles('dockerfile-app')['server.mjs']!,
        Procfile: 'web: node server.mjs\n',
        VERSION: 'v3\n',
      },
      'no more worker',
    );
    const third = await deploy();
    assert.equal(third.status, 'active', String(third.error));
    await workersSettled(third.id, /previous release's workers stopped/);
    assert.deepEqual(await workers(), []);
    assert.deepEqual((await processes()).processes, []);

    const rollback = await h.api<{ id: string }>('POST', `/deployments/${String(second.id)}/rollback`);
    assert.ok(rollback.status === 201 || rollback.status === 202, JSON.stringify(rollback.body));
    const restored = await h.waitForDeployment(rollback.body.id);
    assert.equal(restored.status, 'active', String(restored.error));
    await workersSettled(restored.id);
    const now = await workers();
    assert.equal(now.length, 2, 'the replica count chosen before is kept');
    for (const c of now) {
      assert.equal(c.labels['berth.deployment'], restored.id);
      assert.equal((await inspectContainer(c.id))?.image, second.image);
    }
  });

  it('stops the workers at 0 replicas, and removes them with the service', async () => {
    const off = await scale('worker', 0);
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.state, 'off');
    assert.deepEqual(await workers(), []);
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2', 'the web process still serves');

    assert.equal((await scale('worker', 1)).status, 200);
    assert.equal((await workers()).filter((c) => c.state === 'running').length, 1);
    const removed = await h.api('DELETE', `/services/${serviceId}`, { confirm: 'web' });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(await workers(), []);
  });

  it('mounts the service volume into workers; a non-shared volume stops the old workers first', async () => {
    const VOLUME_HOST = 'web-workvol.localhost';
    const volumeRepo = await git.createRepo('workers-volume-app', {
      Dockerfile: [
        'ARG BASE_IMAGE=node:20-slim',
        'FROM ${BASE_IMAGE}',
        'WORKDIR /app',
        'COPY . .',
        // A new named volume takes the owner of the image's directory: the node user may write to it.
        'RUN mkdir /data && chown node /data',
        'USER node',
        'ENV PORT=3000',
        'CMD ["node", "server.mjs"]',
        '',
      ].join('\n'),
      VERSION: 'v1\n',
      'server.mjs': [
        "import { readFileSync } from 'node:fs';",
        "import http from 'node:http';",
        'http.createServer((req, res) => {',
        "  if (req.url === '/healthz') return res.end('ok');",
        "  try { res.end(readFileSync('/data/note.txt', 'utf8').trim()); } catch { res.end('none'); }",
        '}).listen(Number(process.env.PORT || 3000));',
        "process.on('SIGTERM', () => process.exit(0));",
        '',
      ].join('\n'),
      Procfile: 'web: node server.mjs\nworker: sh worker.sh\n',
      'worker.sh': [
        '#!/bin/sh',
        "trap 'exit 0' TERM",
        'echo "from worker $(cat VERSION)" > /data/note.txt',
        'while true; do sleep 1; done',
        '',
      ].join('\n'),
    });
    ({ serviceId: volumeServiceId } = await createFixtureService(h.api, {
      project: 'workvol',
      service: 'web',
      repoUrl: volumeRepo.url,
    }));
    const volume = await h.api('POST', `/services/${volumeServiceId}/volumes`, { name: 'data', mountPath: '/data' });
    assert.equal(volume.status, 201, JSON.stringify(volume.body));
    const deployVolumeService = async () => {
      const created = await h.api<{ id: string }>('POST', `/services/${volumeServiceId}/deployments`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return h.waitForDeployment(created.body.id);
    };
    const served = async (want: string) => {
      const deadline = Date.now() + 20_000;
      let body = '';
      while (Date.now() < deadline) {
        body = (await get(h.proxyPort, VOLUME_HOST)).body;
        if (body === want) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(body, want);
    };
    const volumeWorkers = () =>
      containersWithLabels({ 'berth.service': volumeServiceId, 'berth.role': 'worker', 'berth.process': 'worker' });

    const one = await deployVolumeService();
    assert.equal(one.status, 'active', String(one.error));
    await workersSettled(one.id);
    await served('from worker v1');

    await volumeRepo.commit({ VERSION: 'v2\n' }, 'release v2');
    const two = await deployVolumeService();
    assert.equal(two.status, 'active', String(two.error));
    await workersSettled(two.id, /previous release's workers stopped/);
    const lines = await logOf(String(two.id));
    const stopAt = lines.findIndex((l) =>
      /Stop-then-start: .* 1 old container\(s\) and 1 old worker container\(s\) stop before/.test(l),
    );
    const startAt = lines.findIndex((l) => /Started container 1\/1/.test(l));
    assert.ok(stopAt >= 0 && startAt > stopAt, `old workers stop before the new web starts:\n${lines.join('\n')}`);
    await served('from worker v2');
    const v2Workers = (await volumeWorkers()).filter((c) => c.state === 'running');
    assert.deepEqual(
      v2Workers.map((c) => c.labels['berth.deployment']),
      [two.id],
    );

    // A failed stop-then-start deploy: the old web container and the old worker start again.
    await volumeRepo.commit({ 'server.mjs': 'process.exit(3);\n' }, 'a web process that dies');
    const three = await deployVolumeService();
    assert.equal(three.status, 'failed');
    const failedLines = await logOf(String(three.id));
    assert.ok(
      failedLines.some((l) => /Started the 2 old container\(s\) again/.test(l)),
      failedLines.join('\n'),
    );
    const after = (await volumeWorkers()).filter((c) => c.state === 'running');
    assert.deepEqual(
      after.map((c) => c.id),
      v2Workers.map((c) => c.id),
    );
    await served('from worker v2');
    const removed = await h.api('DELETE', `/services/${volumeServiceId}`, { confirm: 'web' });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
  });
});
