/**
 * Deleting means gone, and orphans are reconciled: real Docker, the real proxy, a real git push. One daemon
 * for the file, started on a data dir whose install id the test chose, so orphans of "this install" can be
 * planted before it starts. The tests build on each other in order.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INSTALL_LABEL } from '../../src/runtime/runtime.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { createFixtureService, waitForDeployment } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { RUN_ID, TEST_IMAGES, testDockerEndpoint, testLabels, testName } from '../helpers/docker-test-env.js';
import { git, workingRepo } from '../helpers/git-cli.js';
import { startGitServer } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST = 'web-gone.localhost';
const DOMAIN = 'lifecycle.example.com';
const INSTALL_ID = `lc${RUN_ID}`;
/** Owners that never existed in this daemon's database. */
const GONE = { 'berth.managed': 'true', 'berth.service': 'svc_gone', 'berth.project': 'prj_gone' };

type Db = { id: string; name: string; status: string; lastError: string | null };
type Report = { id: string; name: string; steps: string[]; warnings: string[] };

describe('deleting stops and removes everything; orphans are reconciled', () => {
  const runtime = new DockerRuntime(testDockerEndpoint());
  let h: Harness;
  let dataDir: string;
  const planted: Record<'orphan' | 'foreign' | 'unlabelled', string> = { orphan: '', foreign: '', unlabelled: '' };
  const orphanNetwork = testName('orphan-net');
  let projectId: string;
  let serviceId: string;
  const databases: Record<string, Db> = {};

  const answer = (host = HOST) => get(h.proxyPort, host, '/');
  const plant = (name: string, labels: Record<string, string>) =>
    runtime.createContainer({ name: testName(name), image: TEST_IMAGES.busybox, cmd: ['true'], labels });
  const exists = async (id: string) => (await runtime.inspectContainer(id)) !== undefined;

  before(async () => {
    await runtime.start();
    // The install id a fresh daemon would generate, chosen here so objects of "this install" can be planted first.
    dataDir = mkdtempSync(join(tmpdir(), 'berth-lifecycle-'));
    mkdirSync(join(dataDir, 'secrets'), { mode: 0o700 });
    writeFileSync(join(dataDir, 'secrets', 'install.id'), INSTALL_ID, { mode: 0o600 });
    planted.orphan = await plant('orphan', testLabels({ ...GONE, [INSTALL_LABEL]: INSTALL_ID }));
    planted.foreign = await plant('foreign', testLabels({ ...GONE, [INSTALL_LABEL]: `other${RUN_ID}` }));
    planted.unlabelled = await plant('unlabelled', testLabels(GONE));
    await runtime.ensureNetwork(orphanNetwork, testLabels({ ...GONE, [INSTALL_LABEL]: INSTALL_ID }));
    h = await startHarness({
      BERTH_DATA_DIR: dataDir,
      BERTH_STABILISATION_SECONDS: '1',
      BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7',
      // Certificate orders for the test domain fail at once on loopback; nothing leaves the machine.
      BERTH_ACME_DIRECTORY: 'http://127.0.0.1:9/directory',
    });
  });
  after(async () => {
    await h?.close();
    for (const id of Object.values(planted)) if (id) await runtime.removeContainer(id).catch(() => {});
    await runtime.removeNetwork(orphanNetwork).catch(() => {});
    for (const db of Object.values(databases)) await runtime.removeVolume(`berth-${db.id}-data`).catch(() => {});
    await runtime.stop();
  });

  it("removes this install's orphans at start, and never another install's or unlabelled objects", async () => {
    assert.equal(await exists(planted.orphan), false, 'the orphan container of this install is gone');
    assert.deepEqual(await runtime.listNetworks({ [INSTALL_LABEL]: INSTALL_ID, 'berth.project': 'prj_gone' }), []);
    assert.equal(await exists(planted.foreign), true, "another install's container is untouched");
    assert.equal(await exists(planted.unlabelled), true, 'a container without an install id is untouched');
  });

  it('deploys a pushed app with a domain and a database, every object labelled with the install id', async () => {
    ({ projectId, serviceId } = await createFixtureService(h.api, { project: 'gone', push: true }));
    const token = (await h.api<{ token: string }>('POST', '/tokens', { name: 'push' })).body.token;
    const remote = `http://git:${token}@${new URL(h.panelUrl).host}/git/gone/web.git`;
    const work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    const pushed = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(pushed.code, 0, pushed.output);
    assert.equal((await answer()).body, 'v1');
    const domain = await h.api('POST', `/services/${serviceId}/domains`, { hostname: DOMAIN });
    assert.equal(domain.status, 201, JSON.stringify(domain.body));
    assert.equal((await answer(DOMAIN)).body, 'v1');
    for (const name of ['cache', 'queue']) {
      const created = await h.api<Db>('POST', `/projects/${projectId}/databases`, { name, engine: 'redis' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      databases[name] = created.body;
    }
    for (const name of Object.keys(databases)) {
      const deadline = Date.now() + 120_000;
      let db = databases[name]!;
      while (db.status === 'creating' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        db = (await h.api<Db>('GET', `/databases/${db.id}`)).body;
      }
      assert.equal(db.status, 'running', String(db.lastError));
    }

    const mine = { [INSTALL_LABEL]: INSTALL_ID };
    assert.ok((await runtime.listContainers({ ...mine, 'berth.service': serviceId })).length > 0);
    assert.ok((await runtime.listImages({ ...mine, 'berth.service': serviceId })).length > 0);
    assert.ok((await runtime.listContainers({ ...mine, 'berth.service': databases.cache!.id })).length > 0);
    assert.deepEqual(
      (await runtime.listNetworks({ ...mine, 'berth.project': projectId })).map((n) => n.name),
      [`berth-${projectId}`],
    );
  });

  it('refuses a delete without the name or with a wrong one, and loses nothing', async () => {
    const containers = await runtime.listContainers({ 'berth.service': serviceId });
    for (const body of [undefined, {}, { confirm: 'wbe' }, { confirm: 'WEB' }]) {
      const refused = await h.api<{ error: { code: string; message: string } }>(
        'DELETE',
        `/services/${serviceId}`,
        body,
      );
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.code, 'CONFIRMATION_REQUIRED');
      assert.match(refused.body.error.message, /"web"/);
    }
    const project = await h.api('DELETE', `/projects/${projectId}`, { confirm: 'gon' });
    assert.equal(project.status, 400);
    assert.equal((await h.api('GET', `/services/${serviceId}`)).status, 200);
    assert.equal((await answer()).body, 'v1');
    assert.deepEqual(await runtime.listContainers({ 'berth.service': serviceId }), containers);
  });

  it('deletes a service with its name: off the proxy at once, no container, image, repo or file left', async () => {
    // A certificate the service had on disk (the test's ACME directory issues none): it must go with it.
    const certDir = join(dataDir, 'certs', DOMAIN);
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'cert.pem'), 'not really a certificate');
    const repo = join(dataDir, 'repos', 'gone', 'web.git');
    assert.ok(existsSync(repo), 'the push created the repository');
    const deploymentIds = (await h.api<Array<{ id: string }>>('GET', `/services/${serviceId}/deployments`)).body.map(
      (d) => d.id,
    );
    assert.ok(deploymentIds.length > 0);

    const deleted = await h.api<Report>('DELETE', `/services/${serviceId}`, { confirm: 'web' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body.warnings, []);
    const steps = deleted.body.steps.join('\n');
    assert.match(steps, new RegExp(`Stopped routing ${HOST}, ${DOMAIN}`));
    assert.match(steps, /Removed 1 container\(s\)/);
    assert.match(steps, /Removed 1 image\(s\)/);
    assert.match(steps, /git repository/);

    assert.equal((await answer()).status, 404, 'the default hostname answers 404 at once');
    assert.equal((await answer(DOMAIN)).status, 404, 'the custom domain answers 404 at once');
    assert.equal((await h.api('GET', `/services/${serviceId}`)).status, 404);
    assert.deepEqual(await runtime.listContainers({ 'berth.service': serviceId }), []);
    assert.deepEqual(await runtime.listImages({ 'berth.service': serviceId }), []);
    assert.equal(existsSync(repo), false, 'the git repository is gone');
    assert.equal(existsSync(certDir), false, 'the certificate files are gone');
    for (const id of deploymentIds) {
      assert.equal(existsSync(join(dataDir, 'logs', 'deployments', `${id}.log`)), false, `log of ${id}`);
    }
    // The databases of the project are not the service's: they still run.
    assert.equal((await runtime.listContainers({ 'berth.service': databases.cache!.id })).length, 1);
  });

  it('deletes the project: databases and network gone, volumes kept unless named', async () => {
    const unknown = await h.api('DELETE', `/projects/${projectId}`, { confirm: 'gone', deleteVolumes: ['nope'] });
    assert.equal(unknown.status, 422, 'an unknown database name is refused before anything is deleted');
    assert.equal((await h.api('GET', `/databases/${databases.cache!.id}`)).status, 200);

    const deleted = await h.api<Report>('DELETE', `/projects/${projectId}`, {
      confirm: 'gone',
      deleteVolumes: ['queue'],
    });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body.warnings, []);
    assert.match(deleted.body.steps.join('\n'), /Deleted database "cache"; its volume .* is kept/);
    assert.equal((await h.api('GET', `/projects/${projectId}`)).status, 404);
    assert.deepEqual(await runtime.listContainers({ 'berth.project': projectId }), []);
    assert.deepEqual(await runtime.listNetworks({ 'berth.project': projectId }), []);
    // ensureVolume answers false when the volume was already there.
    assert.equal(await runtime.ensureVolume(`berth-${databases.cache!.id}-data`, testLabels()), false, 'kept');
    assert.equal(await runtime.ensureVolume(`berth-${databases.queue!.id}-data`, testLabels()), true, 'deleted');
  });

  it('cancels a deployment in progress before deleting its service', async () => {
    const slow = await startGitServer({ responseDelayMs: 5_000 });
    try {
      const repo = await slow.createRepo('slow', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
      const { serviceId: id } = await createFixtureService(h.api, { project: 'busy', repoUrl: repo.url });
      const started = await h.api<{ id: string }>('POST', `/services/${id}/deployments`);
      assert.equal(started.status, 201, JSON.stringify(started.body));
      await waitForDeployment(h.api, started.body.id, (d) => d.status === 'fetching', 30_000);

      const deleted = await h.api<Report>('DELETE', `/services/${id}`, { confirm: 'web' });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.match(deleted.body.steps.join('\n'), new RegExp(`Cancelled deployment ${started.body.id} \\(fetching\\)`));
      assert.equal((await h.api('GET', `/deployments/${started.body.id}`)).status, 404);
      assert.deepEqual(await runtime.listContainers({ 'berth.service': id }), []);
      assert.deepEqual(await runtime.listImages({ 'berth.service': id }), []);
      assert.equal((await h.api('GET', `/services/${id}`)).status, 404);
    } finally {
      await slow.close();
    }
  });
});
