/**
 * The registry path of issue 16's images bullet: with BERTH_IMAGE_REGISTRY set, each built image is
 * pushed to a real registry (Debian's docker-registry, with htpasswd credentials) before it runs, the
 * deployment records and runs the registry reference, the registry serves its manifest and every layer,
 * a push that fails (registry down) fails the deploy while the previous version keeps serving, and a
 * rollback to an image this server no longer has pulls it back from the registry (refused in words when
 * the registry cannot be asked).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFixtureService, hasImage, removeImage } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { RUN_ID } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { startTestRegistry, type TestRegistry } from '../helpers/image-registry.js';
import { get } from '../helpers/load.js';

const HOST = 'web-pushed.localhost';
const CREDENTIALS = { username: 'berth', password: `s3cret-${RUN_ID}` };

/** Removes an image as retention would, once the old release's container (drained after a switch) is gone. */
async function removeOnceUnused(ref: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      return await removeImage(ref);
    } catch (error) {
      if (!/is using its referenced image|being used by/.test((error as Error).message) || Date.now() > deadline)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe('images pushed to a registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-test-'));
  let registry: TestRegistry;
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let prefix: string;
  let serviceId: string;
  const deploymentOf: Record<string, string> = {};

  before(async () => {
    registry = await startTestRegistry(CREDENTIALS);
    prefix = `${registry.host}/berth-${RUN_ID.toLowerCase()}`;
    writeFileSync(join(dir, 'password'), `${CREDENTIALS.password}\n`, { mode: 0o600 });
    git = await startGitServer();
    repo = await git.createRepo('pushed-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({
      BERTH_IMAGE_REGISTRY: prefix,
      BERTH_IMAGE_REGISTRY_USERNAME: CREDENTIALS.username,
      BERTH_IMAGE_REGISTRY_PASSWORD_FILE: join(dir, 'password'),
    });
  });
  after(async () => {
    await h?.close();
    await git?.close();
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pushes the built image, runs the registry reference, and the registry holds every layer', async () => {
    serviceId = (await createFixtureService(h.api, { project: 'pushed', service: 'web', repoUrl: repo.url })).serviceId;
    const first = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    const done = await h.waitForDeployment(first.body.id, 180_000);
    assert.equal(done.status, 'active', String(done.error));
    const expected = `${prefix}/${serviceId}:${first.body.id}`;
    assert.equal(done.image, expected);
    deploymentOf.v1 = first.body.id;
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1');
    assert.equal(await hasImage(`berth/${serviceId}:${first.body.id}`), false, 'one local name per deployment');

    assert.equal((await fetch(`http://${registry.host}/v2/`)).status, 401, 'the registry wants the credentials');
    const repository = `${prefix.slice(registry.host.length + 1)}/${serviceId}`;
    const tags = await registry.get(`/v2/${repository}/tags/list`);
    assert.equal(tags.status, 200, tags.body);
    assert.deepEqual((JSON.parse(tags.body) as { tags: string[] }).tags, [first.body.id]);
    const manifest = await fetch(`http://${registry.host}/v2/${repository}/manifests/${first.body.id}`, {
      headers: {
        accept: 'application/vnd.docker.distribution.manifest.v2+json',
        authorization: `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`,
      },
    });
    assert.equal(manifest.status, 200);
    const layers = ((await manifest.json()) as { layers: Array<{ digest: string }> }).layers;
    assert.ok(layers.length > 0);
    for (const layer of layers) {
      assert.equal((await registry.get(`/v2/${repository}/blobs/${layer.digest}`)).status, 200, layer.digest);
    }
    const log = await h.api<unknown>('GET', `/deployments/${first.body.id}/logs`);
    assert.match(JSON.stringify(log.body), /Pushed /);
    assert.doesNotMatch(JSON.stringify(log.body), new RegExp(CREDENTIALS.password), 'the password is never logged');
  });

  it('a push that fails fails the deploy, and the previous version keeps serving', async () => {
    await registry.stop();
    await repo.commit({ VERSION: 'v2\n' }, 'release v2');
    const second = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    const failed = await h.waitForDeployment(second.body.id, 180_000);
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /push/i);
    assert.doesNotMatch(String(failed.error), new RegExp(CREDENTIALS.password));
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1');
    await registry.start();
  });

  it('a rollback to an image this server no longer has pulls it back from the registry', async () => {
    const second = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal((await h.waitForDeployment(second.body.id, 180_000)).status, 'active');
    deploymentOf.v2 = second.body.id;
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2');
    // What image retention does to an old release: its image leaves this server (the registry keeps it).
    await removeOnceUnused(`${prefix}/${serviceId}:${deploymentOf.v1}`);
    const rollback = await h.api<{ id: string }>('POST', `/deployments/${deploymentOf.v1}/rollback`);
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
    const done = await h.waitForDeployment(rollback.body.id, 120_000);
    assert.equal(done.status, 'active', String(done.error));
    assert.equal((await get(h.proxyPort, HOST)).body, 'v1');
    assert.equal(await hasImage(`${prefix}/${serviceId}:${deploymentOf.v1}`), true);
    const log = await h.api<unknown>('GET', `/deployments/${rollback.body.id}/logs`);
    assert.match(JSON.stringify(log.body), /pulling it back from/);
    assert.doesNotMatch(JSON.stringify(log.body), new RegExp(CREDENTIALS.password));
  });

  it('refuses that rollback in words while the registry cannot be asked, and allows it once it answers', async () => {
    await removeOnceUnused(`${prefix}/${serviceId}:${deploymentOf.v2}`);
    await registry.stop();
    try {
      const refused = await h.api<{ error: { message: string } }>('POST', `/deployments/${deploymentOf.v2}/rollback`);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.match(refused.body.error.message, /no longer on this server .*registry could not be asked/);
    } finally {
      await registry.start();
    }
    const rollback = await h.api<{ id: string }>('POST', `/deployments/${deploymentOf.v2}/rollback`);
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
    assert.equal((await h.waitForDeployment(rollback.body.id, 120_000)).status, 'active');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2');
  });
});
