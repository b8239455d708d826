/**
 * DockerRuntime against the real engine: the container lifecycle Berth relies on, with every
 * container labelled for this run and removed afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import {
  RUN_ID,
  TEST_IMAGES,
  TEST_RUN_LABEL,
  cleanupTestContainers,
  testDockerEndpoint,
  testLabels,
  testName,
} from '../helpers/docker-test-env.js';
import { docker } from '../helpers/install-harness.js';

describe('DockerRuntime (real engine)', { timeout: 50_000 }, () => {
  const runtime = new DockerRuntime(testDockerEndpoint());

  before(async () => {
    await runtime.start();
    assert.equal(runtime.state().available, true, 'the Docker engine must be reachable for integration tests');
    assert.ok(await runtime.hasImage(TEST_IMAGES.busybox), `missing ${TEST_IMAGES.busybox}: run scripts/test-env.sh`);
  });

  after(async () => {
    await cleanupTestContainers();
    await runtime.stop();
  });

  it('reports engine info', async () => {
    const info = await runtime.engineInfo();
    assert.match(info.version, /^\d+\.\d+/);
    assert.match(info.apiVersion, /^1\.\d+$/);
    assert.ok(info.cpus >= 1);
    assert.ok(info.memoryBytes > 0);
    assert.ok(info.images >= 1, 'at least the test image exists');
    assert.ok(info.containers.total >= info.containers.running);
    assert.ok(info.disk.imagesBytes > 0);
    for (const bytes of Object.values(info.disk)) assert.ok(Number.isFinite(bytes) && bytes >= 0);
  });

  it('answers disk usage questions asked at the same time (engines before 23.0 refuse a second /system/df)', async () => {
    // Four at once, as the panel, the usage sampler and a volume list can: each gets its answer.
    const answers = await Promise.allSettled([
      runtime.volumeSizes({ 'berth.service': 'nobody' }),
      runtime.engineInfo(),
      runtime.volumeSizes({ 'berth.service': 'nobody' }),
      runtime.engineInfo(),
    ]);
    const refused = answers.filter((a) => a.status === 'rejected').map((a) => String(a.reason));
    assert.deepEqual(refused, []);
  });

  it('knows which images exist', async () => {
    assert.equal(await runtime.hasImage('berth-test/does-not-exist:never'), false);
  });

  it('creates, starts, inspects, lists, stops and removes a labelled container', async () => {
    const labels = testLabels({ 'berth.test-case': 'lifecycle' });
    const id = await runtime.createContainer({
      name: testName('lifecycle'),
      image: TEST_IMAGES.busybox,
      cmd: ['sleep', '300'],
      env: { GREETING: 'hello world', EMPTY: '' },
      labels,
      memoryBytes: 64 * 1024 * 1024,
      nanoCpus: 500_000_000,
      restartPolicy: 'no',
    });
    assert.match(id, /^[0-9a-f]{64}$/);

    const created = await runtime.inspectContainer(id);
    assert.equal(created?.state, 'created');
    assert.equal(created?.startedAt, null);
    assert.equal(created?.exitCode, null);

    await runtime.startContainer(id);
    await runtime.startContainer(id); // already running: not an error
    const running = await runtime.inspectContainer(id);
    assert.ok(running);
    assert.equal(running.state, 'running');
    assert.equal(running.name, testName('lifecycle'));
    assert.equal(running.image, TEST_IMAGES.busybox);
    assert.equal(running.labels[TEST_RUN_LABEL], RUN_ID);
    assert.equal(running.labels['berth.test-case'], 'lifecycle');
    assert.ok(running.startedAt && !Number.isNaN(Date.parse(running.startedAt)));
    assert.equal(running.restartCount, 0);
    assert.equal(typeof running.ipAddresses, 'object');

    const listed = await runtime.listContainers(labels);
    assert.deepEqual(
      listed.map((c) => [c.id, c.name, c.state]),
      [[id, testName('lifecycle'), 'running']],
    );
    assert.deepEqual(await runtime.listContainers({ ...labels, 'berth.test-case': 'other' }), []);

    // sleep as PID 1 ignores SIGTERM, so a zero grace period goes straight to SIGKILL.
    await runtime.stopContainer(id, 0);
    await runtime.stopContainer(id, 0); // not running: not an error
    const stopped = await runtime.inspectContainer(id);
    assert.equal(stopped?.state, 'exited');
    assert.equal(typeof stopped?.exitCode, 'number');

    await runtime.removeContainer(id);
    assert.equal(await runtime.inspectContainer(id), undefined);
    await runtime.removeContainer(id); // already gone: not an error
  });

  it('rotates the log of every container it creates (json-file, max-size, max-file)', async () => {
    const logConfigOf = async (id: string) =>
      JSON.parse((await docker(['inspect', '--format', '{{json .HostConfig.LogConfig}}', id])).stdout) as unknown;
    const defaults = await runtime.createContainer({
      name: testName('logs-default'),
      image: TEST_IMAGES.busybox,
      cmd: ['sleep', '300'],
      labels: testLabels(),
    });
    await runtime.startContainer(defaults);
    assert.deepEqual(await logConfigOf(defaults), {
      Type: 'json-file',
      Config: { 'max-size': '10m', 'max-file': '3' },
    });

    const configured = new DockerRuntime(testDockerEndpoint(), { logRotation: { maxSize: '500k', maxFiles: 2 } });
    const small = await configured.createContainer({
      name: testName('logs-configured'),
      image: TEST_IMAGES.busybox,
      labels: testLabels(),
    });
    assert.deepEqual(await logConfigOf(small), { Type: 'json-file', Config: { 'max-size': '500k', 'max-file': '2' } });
  });

  it("reads an image's exposed TCP ports", async () => {
    assert.deepEqual((await runtime.inspectImage('berth-test/postgres:15'))?.exposedTcpPorts, [5432]);
    assert.deepEqual((await runtime.inspectImage(TEST_IMAGES.busybox))?.exposedTcpPorts, []);
    assert.equal(await runtime.inspectImage('berth-test/does-not-exist:never'), undefined);
  });

  it('reports containers starting and dying, with the exit code, for the labels asked', async () => {
    const labels = testLabels({ 'berth.test-case': 'events' });
    const events: Array<{ id: string; action: string; exitCode?: number }> = [];
    const following = new AbortController();
    const done = runtime.containerEvents(labels, (event) => events.push(event), following.signal);
    await new Promise((r) => setTimeout(r, 300)); // the subscription is in place before the container starts
    const other = await runtime.createContainer({
      name: testName('events-other'),
      image: TEST_IMAGES.busybox,
      labels: testLabels(),
    });
    const id = await runtime.createContainer({
      name: testName('events'),
      image: TEST_IMAGES.busybox,
      cmd: ['sh', '-c', 'exit 5'],
      labels,
    });
    await runtime.startContainer(other);
    await runtime.startContainer(id);
    const deadline = Date.now() + 10_000;
    while (!events.some((e) => e.action === 'die') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    following.abort();
    await done;
    assert.deepEqual(events, [
      { id, action: 'start' },
      { id, action: 'die', exitCode: 5 },
    ]);
  });

  it('passes env values and argv through intact', async () => {
    const id = await runtime.createContainer({
      name: testName('env'),
      image: TEST_IMAGES.busybox,
      cmd: ['sh', '-c', 'test "$GREETING" = "hi; rm -rf /" && exit 7'],
      env: { GREETING: 'hi; rm -rf /' },
      labels: testLabels(),
    });
    await runtime.startContainer(id);
    const deadline = Date.now() + 10_000;
    let details = await runtime.inspectContainer(id);
    while (details?.state === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      details = await runtime.inspectContainer(id);
    }
    assert.equal(details?.state, 'exited');
    assert.equal(details?.exitCode, 7);
  });

  it('maps engine errors to DOCKER_ERROR', async () => {
    const spec = { name: testName('dup'), image: TEST_IMAGES.busybox, labels: testLabels() };
    await runtime.createContainer(spec);
    await assert.rejects(
      runtime.createContainer(spec),
      (err: unknown) => isAppError(err) && err.code === 'DOCKER_ERROR' && /already in use/.test(err.message),
    );
    await assert.rejects(
      runtime.startContainer('berth-test-no-such-container'),
      (err: unknown) => isAppError(err) && err.code === 'DOCKER_ERROR',
    );
    assert.equal(runtime.state().available, true, 'an engine error is not an outage');
  });

  it('removes every container carrying the labels', async () => {
    const labels = testLabels({ 'berth.test-case': 'bulk' });
    for (const n of [1, 2, 3]) {
      const id = await runtime.createContainer({
        name: testName(`bulk-${n}`),
        image: TEST_IMAGES.busybox,
        cmd: ['sleep', '300'],
        labels,
      });
      if (n !== 3) await runtime.startContainer(id);
    }
    assert.equal((await runtime.listContainers(labels)).length, 3);
    assert.equal(await runtime.removeContainersByLabel(labels), 3);
    assert.deepEqual(await runtime.listContainers(labels), []);
    await assert.rejects(runtime.removeContainersByLabel({}), (err: unknown) => isAppError(err));
  });
});
