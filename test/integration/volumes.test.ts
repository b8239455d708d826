/**
 * Service volumes on the real engine: bad names and mount paths are refused (400) and create nothing; a file
 * written into the volume survives a redeploy and a rollback; a deploy with a volume that is not shared says
 * stop-then-start in its log and stops the old container before the new one starts (a shared one does not),
 * and when it fails the old container starts again; a volume backup is
 * verified, and restores byte-identical after the file changed (the extra file gone); a volume the running
 * service mounts cannot be deleted; deleting the service deletes its Docker volume (checked by label). The
 * app is a tiny busybox httpd image built here; the helper image is the local busybox.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { insertBackup } from '../../src/volumes/volumes.repository.js';
import { seedAdmin, tokenFor } from '../helpers/accounts.js';
import { RUN_ID, TEST_IMAGES, testLabels } from '../helpers/docker-test-env.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APP_IMAGE = `berth-test/volume-app:${RUN_ID}`;

describe('service volumes on the real engine', () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let serviceId: string;
  let volumeId: string;
  const deployments: string[] = [];
  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
  };
  const waitForDeployment = async (id: string) => {
    const end = Date.now() + 90_000;
    for (;;) {
      const { body } = await api('GET', `/deployments/${id}`);
      if (['active', 'failed', 'cancelled'].includes(body.status)) return body;
      assert.ok(Date.now() < end, `deployment ${id} still ${body.status}`);
      await sleep(300);
    }
  };
  const deploy = async (url: string) => {
    const res = await api('POST', url, {});
    assert.ok(res.status === 201 || res.status === 202, res.raw);
    const done = await waitForDeployment(res.body.id);
    const lines: string[] = (await api('GET', `/deployments/${res.body.id}/logs`)).body.lines;
    assert.equal(done.status, 'active', `${done.error}\n${lines.join('\n')}`);
    deployments.push(res.body.id);
    return { id: res.body.id as string, lines };
  };
  const runningContainer = async () => {
    const end = Date.now() + 20_000;
    for (;;) {
      const all = await t.runtime.listContainers({ 'berth.service': serviceId });
      const c = all.find((c) => c.state === 'running' && c.labels['berth.deployment'] === deployments.at(-1));
      if (c) return c.id;
      assert.ok(Date.now() < end, 'no running container of the active deployment');
      await sleep(200);
    }
  };
  const sh = async (script: string) => {
    const result = await t.runtime.exec(await runningContainer(), ['sh', '-c', script]);
    assert.equal(result.exitCode, 0, result.stderr);
    return result.stdout;
  };
  const volumesOnEngine = () => t.runtime.listVolumes({ 'berth.service': serviceId, 'berth.role': 'volume' });

  before(async () => {
    t = await createTestApp({
      env: {
        BERTH_VOLUME_HELPER_IMAGE: TEST_IMAGES.busybox,
        BERTH_STABILISATION_SECONDS: '1',
        BERTH_DRAIN_TIMEOUT_SECONDS: '2',
      },
    });
    const context = mkdtempSync(join(tmpdir(), 'berth-volume-app-'));
    writeFileSync(
      join(context, 'Dockerfile'),
      `FROM ${TEST_IMAGES.busybox}\nEXPOSE 8080\n` +
        'CMD ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${PORT:-8080} -h /www"]\n',
    );
    await t.runtime.buildImage({
      contextDir: context,
      dockerfile: 'Dockerfile',
      tag: APP_IMAGE,
      labels: testLabels(),
      onLine: () => {},
    });
    rmSync(context, { recursive: true, force: true });
    const admin = await seedAdmin(t.db);
    headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const project = await api('POST', '/projects', { name: 'volumes' });
    const service = await api('POST', `/projects/${project.body.id}/services`, {
      name: 'app',
      source: { type: 'image', image: APP_IMAGE },
      port: 8080,
    });
    assert.equal(service.status, 201, service.raw);
    serviceId = service.body.id;
  });

  after(async () => {
    if (serviceId) {
      await t.runtime.removeContainersByLabel({ 'berth.service': serviceId }).catch(() => {});
      for (const v of await t.runtime.listVolumes({ 'berth.service': serviceId }).catch(() => [])) {
        await t.runtime.removeVolume(v.name).catch(() => {});
      }
    }
    await t?.close();
    await t?.runtime.removeImage(APP_IMAGE).catch(() => {});
  });

  it('refuses bad names and mount paths with 400 and creates nothing', async () => {
    const bad = [
      { name: 'Data', mountPath: '/data' },
      { name: '1data', mountPath: '/data' },
      { name: 'data', mountPath: 'data' },
      { name: 'data', mountPath: '/data/../etc' },
      { name: 'data', mountPath: '/etc' },
      { name: 'data', mountPath: '/proc/self' },
      { name: 'data', mountPath: '/' },
      { name: 'data', mountPath: '/var/run' },
      { name: 'data', mountPath: '/data//x' },
      { name: 'data', mountPath: '/data', extra: 1 },
      { name: 'data', mountPath: '/data', shared: 'yes' },
    ];
    for (const body of bad) {
      const res = await api('POST', `/services/${serviceId}/volumes`, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${res.raw}`);
      assert.equal(res.body.error.code, 'BAD_REQUEST');
    }
    assert.deepEqual((await api('GET', `/services/${serviceId}/volumes`)).body, []);
    assert.deepEqual(await volumesOnEngine(), []);
  });

  it('keeps a file across a redeploy (stop-then-start) and a rollback', async () => {
    const created = await api('POST', `/services/${serviceId}/volumes`, { name: 'data', mountPath: '/data' });
    assert.equal(created.status, 201, created.raw);
    assert.equal(created.body.shared, false);
    volumeId = created.body.id;
    const first = await deploy(`/services/${serviceId}/deployments`);
    assert.ok(
      first.lines.some((l) => /Volume data at \/data \(created, empty\)/.test(l)),
      first.lines.join('\n'),
    );
    await sh('printf "hello volume\\n" > /data/note.txt');

    const second = await deploy(`/services/${serviceId}/deployments`);
    const stopAt = second.lines.findIndex((l) =>
      /Stop-then-start: the volume\(s\) data .* 1 old container\(s\) stop/.test(l),
    );
    const startAt = second.lines.findIndex((l) => /Started container 1\/1/.test(l));
    assert.ok(stopAt >= 0, second.lines.join('\n'));
    assert.ok(startAt > stopAt, 'the old container stops before the new one starts');
    assert.ok(second.lines.some((l) => /Volume data at \/data \(kept\)/.test(l)));
    assert.equal(await sh('cat /data/note.txt'), 'hello volume\n');

    const rollback = await api('POST', `/deployments/${first.id}/rollback`, {});
    assert.ok(rollback.status === 201 || rollback.status === 202, rollback.raw);
    const done = await waitForDeployment(rollback.body.id);
    assert.equal(done.status, 'active', done.error);
    deployments.push(rollback.body.id);
    assert.equal(await sh('cat /data/note.txt'), 'hello volume\n');
    assert.equal((await volumesOnEngine()).length, 1, 'one Docker volume, kept');

    // A stop-then-start deploy that fails: the old container starts again and keeps serving the file.
    const strict = { type: 'http', path: '/missing', expectedStatus: 200, timeoutSeconds: 2 };
    assert.equal((await api('PATCH', `/services/${serviceId}`, { healthcheck: strict })).status, 200);
    const failing = await api('POST', `/services/${serviceId}/deployments`, {});
    const failed = await waitForDeployment(failing.body.id);
    const failedLines: string[] = (await api('GET', `/deployments/${failing.body.id}/logs`)).body.lines;
    assert.equal(failed.status, 'failed', failedLines.join('\n'));
    assert.ok(failedLines.some((l) => /Stop-then-start/.test(l)));
    assert.ok(
      failedLines.some((l) => /Started the 1 old container\(s\) again/.test(l)),
      failedLines.join('\n'),
    );
    assert.equal(await sh('cat /data/note.txt'), 'hello volume\n', 'the old container runs again');
    assert.equal((await api('PATCH', `/services/${serviceId}`, { healthcheck: null })).status, 200);

    // Marked shared: the zero-downtime switch again (no stop-then-start), and the file is still there.
    const shared = await api('PATCH', `/services/${serviceId}/volumes/${volumeId}`, { shared: true });
    assert.equal(shared.status, 200, shared.raw);
    const third = await deploy(`/services/${serviceId}/deployments`);
    assert.ok(!third.lines.some((l) => /Stop-then-start/.test(l)), third.lines.join('\n'));
    assert.ok(third.lines.some((l) => /Volume data at \/data \(kept, shared\)/.test(l)));
    assert.equal(await sh('cat /data/note.txt'), 'hello volume\n');

    const listed = (await api('GET', `/services/${serviceId}/volumes`)).body;
    assert.equal(listed.length, 1);
    assert.equal(typeof listed[0].sizeBytes, 'number', 'size shown once the volume exists');
  });

  it('backs a volume up (verified) and restores it byte-identical after the file changed', async () => {
    await sh('mkdir -p /data/sub && head -c 100000 /dev/urandom > /data/sub/blob.bin');
    const before = await sh('cd /data && find . -type f -exec sha256sum {} + | sort');
    const started = await api('POST', `/services/${serviceId}/volumes/${volumeId}/backups`);
    assert.equal(started.status, 202, started.raw);
    assert.equal(started.body.status, 'running');
    await t.ctx.volumes.backups.settle(started.body.id);
    const backup = (await api('GET', `/services/${serviceId}/volumes/${volumeId}/backups/${started.body.id}`)).body;
    assert.equal(backup.status, 'verified', backup.error);
    assert.equal(backup.fileCount, 2);
    assert.match(backup.sha256, /^[0-9a-f]{64}$/);
    assert.ok(backup.sizeBytes > 100_000);

    await sh('echo changed > /data/note.txt && rm /data/sub/blob.bin && echo extra > /data/extra.txt');
    assert.notEqual(await sh('cd /data && find . -type f -exec sha256sum {} + | sort'), before);
    const restored = await api('POST', `/services/${serviceId}/volumes/${volumeId}/backups/${backup.id}/restore`);
    assert.equal(restored.status, 200, restored.raw);
    assert.ok(restored.body.restoredAt);
    assert.equal(await sh('cd /data && find . -type f -exec sha256sum {} + | sort'), before);
    assert.equal(await sh('cat /data/note.txt'), 'hello volume\n');

    const list = (await api('GET', `/services/${serviceId}/volumes/${volumeId}/backups`)).body;
    assert.deepEqual(
      list.map((b: { id: string }) => b.id),
      [backup.id],
    );
    const removed = await api('DELETE', `/services/${serviceId}/volumes/${volumeId}/backups/${backup.id}`);
    assert.equal(removed.status, 204);
    assert.deepEqual((await api('GET', `/services/${serviceId}/volumes/${volumeId}/backups`)).body, []);

    // A backup a stopped daemon left running is failed at the next start, in words.
    await insertBackup(t.db, 'vbk_interrupted1', volumeId);
    await t.ctx.volumes.backups.recover();
    const interrupted = (await api('GET', `/services/${serviceId}/volumes/${volumeId}/backups/vbk_interrupted1`)).body;
    assert.equal(interrupted.status, 'failed');
    assert.match(interrupted.error, /Interrupted: the Berth daemon stopped/);
  });

  it('refuses to delete a mounted volume; deleting the service deletes its Docker volume', async () => {
    const refused = await api('DELETE', `/services/${serviceId}/volumes/${volumeId}`);
    assert.equal(refused.status, 409, refused.raw);
    assert.match(refused.body.error.message, /mounted by containers of the service/);
    assert.equal((await volumesOnEngine()).length, 1);

    // A volume no container mounts yet goes at once.
    const spare = await api('POST', `/services/${serviceId}/volumes`, {
      name: 'spare',
      mountPath: '/spare',
      shared: true,
    });
    assert.equal(spare.status, 201);
    assert.equal((await api('DELETE', `/services/${serviceId}/volumes/${spare.body.id}`)).status, 204);

    const deleted = await api('DELETE', `/services/${serviceId}`, { confirm: 'app' });
    assert.ok(deleted.status === 200 || deleted.status === 204, deleted.raw);
    assert.deepEqual(await t.runtime.listVolumes({ 'berth.service': serviceId }), []);
  });
});
