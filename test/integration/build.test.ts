/**
 * ServiceBuilder against the real engine: the fixture apps build with local base images (their own
 * Dockerfile, the node buildpack, the static buildpack, a Procfile), run as labelled containers on a
 * test network and answer over their container IP; a broken build fails with the builder's own line;
 * the concurrency limit runs two builds one after the other.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServiceBuilder } from '../../src/build/builder.js';
import { loadConfig } from '../../src/config.js';
import { isAppError } from '../../src/errors.js';
import { DEFAULT_HEALTHCHECK, type AppService, type BuildSettings } from '../../src/projects/service.types.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import {
  RUN_ID,
  TEST_IMAGES,
  cleanupTestContainers,
  testDockerEndpoint,
  testLabels,
  testName,
} from '../helpers/docker-test-env.js';

const FIXTURES = new URL('../fixtures/apps/', import.meta.url);
const config = loadConfig({
  DOCKER_HOST: process.env.DOCKER_HOST,
  BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
  BERTH_BUILDPACK_IMAGE_STATIC: TEST_IMAGES.node,
});
const runtime = new DockerRuntime(testDockerEndpoint());
const builder = new ServiceBuilder(runtime, config);
const network = testName('build-net');
const dirs: string[] = [];
/** Values that must reach the app byte for byte: newlines, `$`, quotes, backticks. */
const TRICKY = 'line one\nline two $HOME "double" \'single\' `id` $(id) ; & |';

function service(name: string, build: BuildSettings = {}): AppService {
  const now = new Date().toISOString();
  return {
    id: `svc_${name}`,
    projectId: 'prj_test',
    environmentId: 'env_test',
    name,
    source: { type: 'push', branch: 'main' },
    build,
    port: 3000,
    healthcheck: DEFAULT_HEALTHCHECK,
    resources: {},
    replicas: 1,
    releaseCommand: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** A private copy of a fixture, as a deployment's fresh checkout would be. */
async function checkout(fixture: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `berth-build-${fixture}-`));
  dirs.push(dir);
  await cp(new URL(fixture, FIXTURES), dir, { recursive: true });
  return dir;
}

function imageTag(name: string): string {
  return `berth-test/${RUN_ID}-${name}:1`;
}

interface LogLine {
  at: number;
  line: string;
}

async function build(
  name: string,
  sourceDir: string,
  settings: BuildSettings = {},
  using: ServiceBuilder = builder,
): Promise<{ method: string; log: LogLine[] }> {
  const log: LogLine[] = [];
  const result = await using.build({
    sourceDir,
    service: service(name, settings),
    imageTag: imageTag(name),
    labels: testLabels({ 'berth.test-case': 'build' }),
    log: (line) => log.push({ at: Date.now(), line }),
  });
  assert.equal(result.image, imageTag(name));
  return { method: result.method, log };
}

/** Runs the image on the test network and returns its base URL, once it answers. */
async function run(name: string, env: Record<string, string> = {}): Promise<string> {
  const id = await runtime.createContainer({
    name: testName(`run-${name}`),
    image: imageTag(name),
    env: { PORT: '3000', ...env },
    labels: testLabels({ 'berth.test-case': 'build' }),
    network,
  });
  await runtime.startContainer(id);
  const ip = (await runtime.inspectContainer(id))?.ipAddresses[network];
  assert.ok(ip, 'the container has an address on the test network');
  const base = `http://${ip}:3000`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await fetch(`${base}/`, { signal: AbortSignal.timeout(1000) });
      return base;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

describe('ServiceBuilder (real engine)', { timeout: 110_000 }, () => {
  before(async () => {
    await runtime.start();
    assert.equal(runtime.state().available, true, 'the Docker engine must be reachable for integration tests');
    assert.ok(await runtime.hasImage(TEST_IMAGES.node), `missing ${TEST_IMAGES.node}: run scripts/test-env.sh`);
    await runtime.ensureNetwork(network, testLabels());
  });

  after(async () => {
    await cleanupTestContainers();
    await runtime.removeNetwork(network);
    for (const image of await runtime.listImages(testLabels({ 'berth.test-case': 'build' }))) {
      for (const tag of image.tags) await runtime.removeImage(tag);
    }
    await runtime.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('builds an app with its own Dockerfile and build args', async () => {
    const dir = await checkout('dockerfile-app');
    const { method, log } = await build('dockerfile-app', dir, { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } });
    assert.equal(method, 'dockerfile');
    const lines = log.map((l) => l.line);
    assert.equal(lines[0], 'Using the Dockerfile in the repository root');
    assert.ok(lines.some((l) => l.startsWith('Step 2/') && l.includes('FROM ${BASE_IMAGE}')));
    assert.ok(lines.some((l) => l.startsWith('Successfully tagged')));

    const base = await run('dockerfile-app', { GREETING: TRICKY });
    assert.deepEqual(await get(`${base}/`), { status: 200, body: 'v1', type: 'text/plain; charset=utf-8' });
    assert.equal((await get(`${base}/env/GREETING`)).body, TRICKY);
    assert.equal((await get(`${base}/healthz`)).body, 'ok');
    assert.equal((await get(`${base}/slow?ms=50`)).body, 'slept 50 ms (v1)');
  });

  it('builds a Node app with the node buildpack', async () => {
    const dir = await checkout('node-app');
    const { method, log } = await build('node-app', dir);
    assert.equal(method, 'buildpack:node');
    const lines = log.map((l) => l.line);
    assert.equal(
      lines[0],
      'Using the node buildpack: found package.json and package-lock.json; starting with the start script',
    );
    assert.ok(lines.includes(`  FROM ${TEST_IMAGES.node}`), 'the generated Dockerfile is in the log');
    assert.ok(lines.some((l) => l.includes('RUN ["npm","ci","--include=dev"]')));
    assert.deepEqual(await readdir(dir), await readdir(new URL('node-app', FIXTURES)), 'the generated file is gone');

    const base = await run('node-app', { GREETING: TRICKY });
    assert.equal((await get(`${base}/`)).body, 'v1');
    assert.equal((await get(`${base}/env/GREETING`)).body, TRICKY);
  });

  it('builds a static site with the static buildpack', async () => {
    const dir = await checkout('static-site');
    const { method } = await build('static-site', dir);
    assert.equal(method, 'buildpack:static');
    const base = await run('static-site');
    const index = await get(`${base}/`);
    assert.equal(index.status, 200);
    assert.match(index.body, /<h1>static-site v1<\/h1>/);
    assert.equal(index.type, 'text/html; charset=utf-8');
    assert.match((await get(`${base}/about`)).body, /about page/);
    assert.equal((await get(`${base}/style.css`)).type, 'text/css; charset=utf-8');
    assert.equal((await get(`${base}/.berth.Dockerfile`)).status, 404, 'dotfiles are never served');
    assert.equal((await get(`${base}/../../etc/passwd`)).status, 404);
    assert.equal((await get(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
  });

  it('starts an app with its Procfile web line', async () => {
    const dir = await checkout('procfile-app');
    const { log } = await build('procfile-app', dir);
    assert.match(log[0]!.line, /starting with the Procfile web: line$/);
    const base = await run('procfile-app');
    assert.equal((await get(`${base}/`)).body, 'started by the Procfile');
  });

  it('fails a broken build with the builder error line in the log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-build-broken-'));
    dirs.push(dir);
    await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGES.busybox}\nRUN echo "compiling ${RUN_ID}" && exit 3\n`);
    const log: string[] = [];
    await assert.rejects(
      builder.build({
        sourceDir: dir,
        service: service('broken'),
        imageTag: imageTag('broken'),
        labels: testLabels({ 'berth.test-case': 'build' }),
        log: (line) => log.push(line),
      }),
      (err: unknown) =>
        isAppError(err) && err.code === 'DOCKER_ERROR' && /returned a non-zero code: 3/.test(err.message),
    );
    assert.ok(log.includes(`compiling ${RUN_ID}`));
    assert.match(log[log.length - 1]!, /^The command '\/bin\/sh -c echo "compiling .*' returned a non-zero code: 3$/);
    assert.equal(builder.load().running, 0, 'a failed build frees its slot');
  });

  it('runs builds one at a time under the concurrency limit', async () => {
    const limited = new ServiceBuilder(runtime, config, { concurrency: 1 });
    const contexts = await Promise.all(
      ['first', 'second'].map(async (which) => {
        const dir = await mkdtemp(join(tmpdir(), `berth-build-${which}-`));
        dirs.push(dir);
        // A unique file keeps the layer cache from skipping the sleep.
        await writeFile(join(dir, 'nonce'), `${RUN_ID}-${which}-${Date.now()}`);
        await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGES.busybox}\nCOPY nonce /nonce\nRUN sleep 2\n`);
        return dir;
      }),
    );
    const [first, second] = await Promise.all([
      build('limit-first', contexts[0]!, {}, limited),
      build('limit-second', contexts[1]!, {}, limited),
    ]);
    const firstDone = first.log.find((l) => l.line.startsWith('Successfully tagged'))!.at;
    const secondStart = second.log.find((l) => l.line.startsWith('Step 1/'))!.at;
    assert.ok(second.log.some((l) => l.line === 'Waiting for another build to finish…'));
    assert.ok(!first.log.some((l) => l.line.startsWith('Waiting')));
    assert.ok(
      secondStart >= firstDone,
      `the second build started ${firstDone - secondStart} ms before the first ended`,
    );
  });
});
