/**
 * The operator's network settings for builds, against the real engine and offline: HTTP(S)_PROXY and
 * NO_PROXY reach the build's steps as Docker's predefined args and are kept out of the image and of
 * the build log; BERTH_BUILD_CA_FILE reaches a repository's Dockerfile that opts in (BERTH_BUILD_CA),
 * even past a .dockerignore, and buildpack images trust it while building without keeping any variable
 * pointing at it. Builds with registry access are in real-apps.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServiceBuilder } from '../../src/build/builder.js';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_HEALTHCHECK, type AppService } from '../../src/projects/service.types.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { RUN_ID, TEST_IMAGES, testDockerEndpoint, testLabels } from '../helpers/docker-test-env.js';

const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const PROXY_PASSWORD = 'proxy-pass-do-not-log';
const config = loadConfig({
  DOCKER_HOST: process.env.DOCKER_HOST,
  BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
  BERTH_BUILD_CA_FILE: HOST_CA_BUNDLE,
  HTTPS_PROXY: `http://builder:${PROXY_PASSWORD}@proxy.internal:3128`,
  http_proxy: 'http://proxy.internal:3128',
  NO_PROXY: 'localhost,.internal',
});
const runtime = new DockerRuntime(testDockerEndpoint());
const builder = new ServiceBuilder(runtime, config);
const dirs: string[] = [];
const LABELS = testLabels({ 'berth.test-case': 'build-network' });

function service(name: string): AppService {
  const now = new Date().toISOString();
  return {
    ...{ id: `svc_${name}`, projectId: 'prj_test', environmentId: 'env_test', name },
    source: { type: 'push', branch: 'main' },
    build: {},
    port: 3000,
    healthcheck: DEFAULT_HEALTHCHECK,
    resources: {},
    replicas: 1,
    releaseCommand: null,
    createdAt: now,
    updatedAt: now,
  };
}

async function source(files: Record<string, string>, fixture?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-build-network-'));
  dirs.push(dir);
  if (fixture) await cp(new URL(`../fixtures/apps/${fixture}/`, import.meta.url), dir, { recursive: true });
  // A fresh value per run, so no step of these builds comes from an earlier run's cache.
  await writeFile(join(dir, 'NONCE'), randomBytes(8).toString('hex'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function build(name: string, dir: string): Promise<{ tag: string; log: string }> {
  const tag = `berth-test/${RUN_ID}-${name}:1`;
  const lines: string[] = [];
  await builder.build({
    sourceDir: dir,
    service: service(name),
    imageTag: tag,
    labels: LABELS,
    log: (l) => lines.push(l),
  });
  return { tag, log: lines.join('\n') };
}

/** A GET on the engine's API, to read what the image itself holds. */
function engine<T>(path: string): Promise<T> {
  const endpoint = testDockerEndpoint();
  const target =
    endpoint.kind === 'socket' ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve, reject) => {
    http
      .get({ ...target, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(body))));
      })
      .on('error', reject);
  });
}

async function imageEnv(tag: string): Promise<string[]> {
  return (
    (await engine<{ Config: { Env: string[] | null } }>(`/images/${encodeURIComponent(tag)}/json`)).Config.Env ?? []
  );
}

describe('network settings of builds (real engine, offline)', { timeout: 180_000 }, () => {
  before(async () => {
    await runtime.start();
    assert.ok(await runtime.hasImage(TEST_IMAGES.busybox), `missing ${TEST_IMAGES.busybox}: run scripts/test-env.sh`);
  });
  after(async () => {
    for (const image of await runtime.listImages(LABELS)) {
      for (const tag of image.tags) await runtime.removeImage(tag).catch(() => {});
    }
    await runtime.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('passes HTTP(S)_PROXY and NO_PROXY to the build steps, never into the image, its history or the log', async () => {
    const dir = await source({
      Dockerfile: [
        `FROM ${TEST_IMAGES.busybox}`,
        'COPY NONCE /tmp/nonce',
        'RUN echo "https_proxy=${HTTPS_PROXY:+set} http_proxy=${http_proxy:+set} no_proxy=$NO_PROXY"',
        '',
      ].join('\n'),
    });
    const { tag, log } = await build('proxy', dir);
    assert.match(log, /https_proxy=set http_proxy=set no_proxy=localhost,\.internal/);
    assert.match(log, /Downloads during the build go through the configured HTTP\(S\) proxy/);
    assert.doesNotMatch(log, new RegExp(PROXY_PASSWORD));
    assert.ok(!(await imageEnv(tag)).some((v) => /proxy/i.test(v)), 'a proxy variable was left in the image');
    const history = await engine<{ CreatedBy: string }[]>(`/images/${encodeURIComponent(tag)}/history`);
    assert.doesNotMatch(JSON.stringify(history), new RegExp(`${PROXY_PASSWORD}|proxy\\.internal`));
  });

  it('gives the build CA to a Dockerfile that declares BERTH_BUILD_CA, past a .dockerignore, and cleans up the copy', async () => {
    const dir = await source({
      '.dockerignore': '.*\n',
      Dockerfile: [
        `FROM ${TEST_IMAGES.busybox}`,
        'ARG BERTH_BUILD_CA',
        'COPY NONCE ${BERTH_BUILD_CA} /tmp/',
        'RUN echo "certificates in the build CA: $(grep -c "BEGIN CERTIFICATE" /tmp/$BERTH_BUILD_CA)"',
        '',
      ].join('\n'),
    });
    const { log } = await build('ca-optin', dir);
    const count = Number(/certificates in the build CA: (\d+)/.exec(log)?.[1]);
    assert.ok(count > 10, `the CA bundle did not reach the build:\n${log}`);
    assert.match(log, /The build trusts the CA bundle of BERTH_BUILD_CA_FILE/);
    assert.ok(!(await readdir(dir)).includes('.berth-build-ca.pem'), 'the CA copy was left in the checkout');

    // A Dockerfile that does not ask gets nothing added to its context.
    const plain = await source({ Dockerfile: `FROM ${TEST_IMAGES.busybox}\nCOPY . /ctx/\nRUN ls -a /ctx\n` });
    const other = await build('ca-no-optin', plain);
    assert.doesNotMatch(other.log, /BERTH_BUILD_CA_FILE|\.berth-build-ca\.pem/);
  });

  it('buildpack builds trust the CA while building but keep no variable pointing at it in the image', async () => {
    const dir = await source({}, 'node-app');
    const { tag, log } = await build('ca-buildpack', dir);
    assert.match(log, /ARG npm_config_cafile=\/usr\/local\/share\/berth\/build-ca\.pem/);
    assert.match(log, /COPY \.berth-build-ca\.pem \/usr\/local\/share\/berth\/build-ca\.pem/);
    const env = await imageEnv(tag);
    assert.ok(
      env.some((v) => v.startsWith('NODE_ENV=')),
      `unexpected image env: ${env.join(' ')}`,
    );
    assert.ok(!env.some((v) => /build-ca|cafile|CA_CERTS|PIP_CERT|SSL_CERT_FILE/i.test(v)), env.join(' '));
  });
});
