/**
 * The logs page of a service whose active deployment's container stopped: it says so in words from the
 * engine's state ("exited 137, just now"), the live follow ends with the same words, and the download of
 * the current output has each line with its time and stream. A real container on the real engine (busybox,
 * exiting 137 after one stdout and one stderr line); the deployment row is written directly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LABELS } from '../../src/projects/service.types.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { testLabels } from '../helpers/docker-test-env.js';
import { startActiveDeployment } from '../helpers/active-deployment.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import type { InjectClient } from '../helpers/inject-client.js';

const EXITED = /exited 137, (just now|\d{1,2} s ago)/;

describe('the logs page of a stopped container', () => {
  let t: TestApp;
  let panel: InjectClient;
  let serviceId: string;
  let deploymentId: string;

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const project = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers, payload: { name: 'halt' } });
    const service = await t.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.json().id}/services`,
      headers,
      payload: { name: 'app', source: { type: 'push' } },
    });
    serviceId = service.json().id;
    let id: string;
    ({ deploymentId, containerId: id } = await startActiveDeployment(t, serviceId, {
      namePrefix: 'stopped',
      cmd: ['sh', '-c', 'echo started on stdout; echo complaint on stderr >&2; exit 137'],
    }));
    for (let i = 0; i < 100 && (await t.runtime.inspectContainer(id))?.state !== 'exited'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    panel = await signedInClient(t.app);
  });
  after(async () => {
    await t?.runtime.removeContainersByLabel(testLabels({ [LABELS.deployment]: deploymentId }));
    await t?.close();
  });

  it('says how and when the container stopped', async () => {
    const page = await panel.get(`/services/${serviceId}/logs`);
    assert.equal(page.statusCode, 200);
    const stopped = /<p class="error" role="alert" id="container-stopped">([\s\S]*?)<\/p>/.exec(page.body);
    assert.ok(stopped, page.body.slice(0, 3000));
    assert.match(stopped[1]!, EXITED);
  });

  it('ends the live follow with the same words, after the lines with their time and stream', async () => {
    const socket = await t.app.injectWS(`/services/${serviceId}/logs/ws`, {
      headers: { cookie: panel.cookieHeader() },
    });
    const frames: Array<{ line: string; at?: string; stream?: string; kind?: string }> = [];
    await new Promise<void>((resolve) => {
      socket.on('message', (data: Buffer) => frames.push(JSON.parse(String(data))));
      socket.on('close', () => resolve());
    });
    const out = frames.find((f) => f.line === 'started on stdout');
    const err = frames.find((f) => f.line === 'complaint on stderr');
    assert.equal(out?.stream, 'stdout', JSON.stringify(frames));
    assert.equal(err?.stream, 'stderr', JSON.stringify(frames));
    assert.ok(Math.abs(Date.now() - Date.parse(out!.at!)) < 5 * 60_000, `a real time: ${out!.at}`);
    const last = frames.at(-1)!;
    assert.equal(last.kind, 'stopped');
    assert.match(last.line, EXITED);
  });

  it('downloads the current output as a text file, one line with its time and stream each', async () => {
    const file = await panel.get(`/services/${serviceId}/logs/current`);
    assert.equal(file.statusCode, 200);
    assert.match(
      String(file.headers['content-disposition']),
      /^attachment; filename="app-dep_[0-9a-z]+-current\.log"$/,
    );
    const lines = file.body.trimEnd().split('\n');
    assert.ok(
      lines.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z stdout started on stdout$/.test(l)),
      file.body,
    );
    assert.ok(
      lines.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z stderr complaint on stderr$/.test(l)),
      file.body,
    );
    assert.match(lines.at(-1)!, new RegExp(`^--- replica 1: ${EXITED.source}$`));
  });
});
