/**
 * MongoDB end to end: create, write, back up (mongodump --archive, verified by a restore into a
 * throwaway container), destroy, restore. No mongo image can be built on the test machine (MongoDB is
 * not in Debian and the registry is out of reach), so this runs only where the image named by
 * BERTH_DB_IMAGE_MONGO (default mongo:7) is already present, and otherwise SKIPS with that reason.
 * The commands it runs are covered by test/unit/database-engines.test.ts everywhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';

const image = loadConfig({ BERTH_DB_IMAGE_MONGO: process.env.BERTH_DB_IMAGE_MONGO }).dbImages.mongo;
const runtime = new DockerRuntime(testDockerEndpoint());
await runtime.start();
const present = await runtime.hasImage(image).catch(() => false);
const skip = present
  ? false
  : `no ${image} image on this Docker engine (MongoDB cannot be built here); set BERTH_DB_IMAGE_MONGO to a local mongo image to run it`;

describe('managed MongoDB', () => {
  let h: Harness;
  let id: string;
  before(async () => {
    if (skip) return;
    h = await startHarness({ BERTH_DB_IMAGE_MONGO: image });
  });
  after(async () => {
    if (skip) return;
    await h?.close();
    if (id) await runtime.removeVolume(`berth-${id}-data`).catch(() => {});
    await runtime.stop();
  });

  it('creates, backs up with verification, and restores', { skip }, async () => {
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'mongo-shop' });
    const created = await h.api<{ id: string; status: string }>('POST', `/projects/${project.body.id}/databases`, {
      name: 'docs',
      engine: 'mongo',
    });
    assert.equal(created.status, 201);
    id = created.body.id;
    const waitFor = async (path: string, done: (b: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 480; i++) {
        const { body } = await h.api<Record<string, unknown>>('GET', path);
        if (done(body)) return body;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${path} did not settle`);
    };
    const db = await waitFor(`/databases/${id}`, (b) => b.status !== 'creating');
    assert.equal(db.status, 'running', String(db.lastError));
    const vars = (await h.api<{ variables: Record<string, string> }>('GET', `/databases/${id}/credentials`)).body
      .variables;
    const [container] = await runtime.listContainers({ 'berth.service': id, 'berth.role': 'database' });
    const mongosh = (js: string) =>
      runtime.exec(container!.id, [
        'mongosh',
        '--quiet',
        vars.MONGO_URL!.replace('@docs:', '@127.0.0.1:'),
        '--eval',
        js,
      ]);
    assert.equal((await mongosh('db.items.insertMany([{n:1},{n:2},{n:3}]).acknowledged')).exitCode, 0);
    const started = await h.api<{ id: string }>('POST', `/databases/${id}/backups`);
    const backup = await waitFor(`/backups/${started.body.id}`, (b) => b.status !== 'running');
    assert.equal(backup.status, 'verified', String(backup.error));
    assert.deepEqual(backup.restoredCounts, { items: 3 });
    await mongosh('db.items.drop()');
    const restored = await h.api('POST', `/backups/${started.body.id}/restore`, { confirm: 'docs' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal((await mongosh('db.items.countDocuments()')).stdout.trim(), '3');
  });
});
if (!present) await runtime.stop();
