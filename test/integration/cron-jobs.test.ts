/**
 * Cron jobs on the real engine: a job on a seconds-level schedule (6 fields) runs in a one-off container
 * of the service's current image with its variables and records exit code and output; skip-overlap
 * records skipped runs while one runs; a timeout kills the run (timed-out); run now works; pause stops
 * the schedule; a run mounts the service's volumes; deleting the job removes its history and its running
 * container. The deployment row is
 * written directly (busybox as the "built" image); every container is found and removed by its labels.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertDeployment, updateDeployment } from '../../src/deploys/deployments.repository.js';
import { newId } from '../../src/lib/ids.js';
import { LABELS } from '../../src/workloads/labels.js';
import { projectNetworkName } from '../../src/workloads/names.js';
import { seedAdmin, signedInClient, tokenFor } from '../helpers/accounts.js';
import { TEST_IMAGES, testLabels } from '../helpers/docker-test-env.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(200);
  }
}

interface Run {
  id: string;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
  trigger: string;
  error: string | null;
}

describe('cron jobs on the real engine', () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let serviceId: string;
  let projectId: string;
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const runsOf = async (jobId: string): Promise<Run[]> =>
    (await api('GET', `/services/${serviceId}/cron-jobs/${jobId}/runs`)).json();
  const create = async (body: Record<string, unknown>) => {
    const res = await api('POST', `/services/${serviceId}/cron-jobs`, { timezone: 'Europe/Berlin', ...body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { id: string; nextRunAt: string | null };
  };

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const project = await t.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers,
      payload: { name: 'crons' },
    });
    projectId = project.json().id;
    const service = await api('POST', `/projects/${projectId}/services`, { name: 'app', source: { type: 'push' } });
    serviceId = service.json().id;
    assert.equal((await api('PUT', `/services/${serviceId}/variables`, { GREETING: 'world' })).statusCode, 200);
    const deploymentId = newId('dep');
    await insertDeployment(t.db, {
      id: deploymentId,
      service_id: serviceId,
      trigger: 'manual',
      triggered_by: null,
      image: TEST_IMAGES.busybox,
      rollback_of: null,
    });
    await updateDeployment(t.db, deploymentId, { status: 'active' });
    await t.runtime.ensureNetwork(projectNetworkName(projectId), testLabels({ [LABELS.project]: projectId }));
  });

  after(async () => {
    await t?.ctx.cron.stop();
    await t?.runtime.removeContainersByLabel({ [LABELS.service]: serviceId }).catch(() => undefined);
    await t?.runtime.removeNetwork(projectNetworkName(projectId)).catch(() => undefined);
    for (const v of (await t?.runtime.listVolumes({ [LABELS.service]: serviceId }).catch(() => [])) ?? []) {
      await t?.runtime.removeVolume(v.name).catch(() => undefined);
    }
    await t?.close();
  });

  it('runs on a seconds-level schedule with the service variables, records exit code and log, and pause stops it', async () => {
    const job = await create({ name: 'greet', schedule: '*/2 * * * * *', command: 'echo hello-$GREETING; exit 3' });
    assert.ok(job.nextRunAt, 'the next run time is known');
    const runs = await waitFor(
      'a finished run',
      () => runsOf(job.id),
      (r) => r.some((x) => x.status !== 'running'),
    );
    const done = runs.find((x) => x.status !== 'running')!;
    assert.equal(done.status, 'failed');
    assert.equal(done.exitCode, 3);
    assert.equal(done.trigger, 'schedule');
    assert.ok(done.durationMs !== null && done.durationMs >= 0);
    const detail = (await api('GET', `/services/${serviceId}/cron-jobs/${job.id}/runs/${done.id}`)).json();
    assert.match(detail.log, /hello-world/);

    const paused = await api('PATCH', `/services/${serviceId}/cron-jobs/${job.id}`, { enabled: false });
    assert.equal(paused.statusCode, 200);
    assert.equal(paused.json().nextRunAt, null);
    await t.ctx.cron.idle(job.id);
    const before = (await runsOf(job.id)).length;
    await sleep(4500);
    assert.equal((await runsOf(job.id)).length, before, 'no run while paused');
    const gone = await t.runtime.listContainers({ [LABELS.cronJob]: job.id });
    assert.equal(gone.length, 0, 'finished run containers are removed');
  });

  it('skips a run while the previous one still runs, and deleting the job removes its history and container', async () => {
    const job = await create({ name: 'slow', schedule: '* * * * * *', command: ['sleep', '30'], overlap: 'skip' });
    const runs = await waitFor(
      'a skipped run',
      () => runsOf(job.id),
      (r) => r.some((x) => x.status === 'skipped'),
    );
    assert.equal(runs.filter((x) => x.status === 'running').length, 1, 'one run goes on');
    assert.match(runs.find((x) => x.status === 'skipped')!.error ?? '', /still going/);
    const containers = await t.runtime.listContainers({ [LABELS.cronJob]: job.id });
    assert.equal(containers.length, 1);
    assert.equal(containers[0]!.labels[LABELS.service], serviceId);
    assert.equal(containers[0]!.labels[LABELS.role], 'cron');

    assert.equal((await api('DELETE', `/services/${serviceId}/cron-jobs/${job.id}`)).statusCode, 204);
    assert.equal((await api('GET', `/services/${serviceId}/cron-jobs/${job.id}/runs`)).statusCode, 404);
    assert.equal((await t.runtime.listContainers({ [LABELS.cronJob]: job.id })).length, 0, 'its container is gone');
    const rows = await t.db.selectFrom('cron_runs').select('id').where('job_id', '=', job.id).execute();
    assert.equal(rows.length, 0, 'its history is gone');
  });

  it('kills a run that passes its timeout and records it as timed out', async () => {
    const job = await create({
      name: 'stuck',
      schedule: '0 0 1 1 *',
      command: ['sleep', '60'],
      timeoutSeconds: 1,
      enabled: false,
    });
    const started = await api('POST', `/services/${serviceId}/cron-jobs/${job.id}/run`);
    assert.equal(started.statusCode, 202);
    await t.ctx.cron.idle(job.id);
    const [run] = await runsOf(job.id);
    assert.equal(run!.status, 'timed-out');
    assert.equal(run!.trigger, 'manual');
    assert.ok(run!.durationMs! < 15_000, `killed soon after the timeout (${run!.durationMs} ms)`);
    assert.equal((await t.runtime.listContainers({ [LABELS.cronJob]: job.id })).length, 0);
  });

  it('runs now: an argv command succeeds with exit code 0 and its output', async () => {
    const job = await create({ name: 'now', schedule: '0 3 * * *', command: ['echo', 'ran $GREETING as argv'] });
    const started = await api('POST', `/services/${serviceId}/cron-jobs/${job.id}/run`);
    assert.equal(started.statusCode, 202);
    assert.equal(started.json().status, 'running');
    await t.ctx.cron.idle(job.id);
    const run = (await api('GET', `/services/${serviceId}/cron-jobs/${job.id}/runs/${started.json().id}`)).json();
    assert.equal(run.status, 'succeeded');
    assert.equal(run.exitCode, 0);
    assert.equal(run.log.trim(), 'ran $GREETING as argv', 'argv is not run through a shell');
    const panel = await signedInClient(t.app);
    const page = await panel.get(`/services/${serviceId}/cron/${job.id}/runs/${run.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<pre class="log" id="cron-log">ran \$GREETING as argv/);
    assert.match(page.body, /<span class="badge status-active">succeeded<\/span>/);
  });

  it('mounts the service volumes: what one run writes, the next run reads', async () => {
    const volume = await api('POST', `/services/${serviceId}/volumes`, { name: 'data', mountPath: '/data' });
    assert.equal(volume.statusCode, 201, volume.body);
    const runNow = async (command: string[]) => {
      const job = await create({ name: `vol-${command[0]}`, schedule: '0 3 * * *', command, enabled: false });
      const started = await api('POST', `/services/${serviceId}/cron-jobs/${job.id}/run`);
      assert.equal(started.statusCode, 202, started.body);
      await t.ctx.cron.idle(job.id);
      return (await api('GET', `/services/${serviceId}/cron-jobs/${job.id}/runs/${started.json().id}`)).json();
    };
    const wrote = await runNow(['sh', '-c', 'echo kept-by-volume > /data/mark']);
    assert.equal(wrote.status, 'succeeded', wrote.log);
    const read = await runNow(['cat', '/data/mark']);
    assert.equal(read.status, 'succeeded', read.log);
    assert.equal(read.log.trim(), 'kept-by-volume');
    const volumes = await t.runtime.listVolumes({ [LABELS.service]: serviceId, [LABELS.role]: 'volume' });
    assert.equal(volumes.length, 1, 'the volume was made with its labels (not by the engine, unlabelled)');
    assert.equal((await api('DELETE', `/services/${serviceId}/volumes/${volume.json().id}`)).statusCode, 204);
  });

  it('queues one run behind a running one, and retries a failed run', async () => {
    const queued = await create({ name: 'queued', schedule: '0 3 * * *', command: ['sleep', '1'], overlap: 'queue' });
    await api('POST', `/services/${serviceId}/cron-jobs/${queued.id}/run`);
    await api('POST', `/services/${serviceId}/cron-jobs/${queued.id}/run`);
    const runs = await waitFor(
      'two runs',
      () => runsOf(queued.id),
      (r) => r.length === 2 && r.every((x) => x.status === 'succeeded'),
    );
    assert.deepEqual(runs.map((r) => r.trigger).sort(), ['manual', 'queue']);

    const flaky = await create({ name: 'flaky', schedule: '0 3 * * *', command: 'exit 1', retries: 2 });
    await api('POST', `/services/${serviceId}/cron-jobs/${flaky.id}/run`);
    const tries = await waitFor(
      'three attempts',
      () => runsOf(flaky.id),
      (r) => r.length === 3 && r.every((x) => x.status === 'failed'),
    );
    assert.deepEqual(tries.map((r) => r.trigger).sort(), ['manual', 'retry', 'retry']);
  });

  it('replace stops the running run and starts anew', async () => {
    const job = await create({ name: 'swap', schedule: '0 3 * * *', command: ['sleep', '30'], overlap: 'replace' });
    const first = (await api('POST', `/services/${serviceId}/cron-jobs/${job.id}/run`)).json();
    await waitFor(
      'the first container',
      () => t.runtime.listContainers({ [LABELS.cronRun]: first.id }),
      (c) => c.length === 1,
    );
    const second = (await api('POST', `/services/${serviceId}/cron-jobs/${job.id}/run`)).json();
    assert.notEqual(second.id, first.id);
    const runs = await runsOf(job.id);
    const old = runs.find((r) => r.id === first.id)!;
    assert.equal(old.status, 'cancelled');
    assert.match(old.error ?? '', /newer run replaced it/);
    assert.equal(runs.find((r) => r.id === second.id)!.status, 'running');
    assert.equal(
      (await t.runtime.listContainers({ [LABELS.cronRun]: first.id })).length,
      0,
      'the replaced container is gone',
    );
    assert.equal((await api('DELETE', `/services/${serviceId}/cron-jobs/${job.id}`)).statusCode, 204);
  });

  it('at start, a run left going by a previous daemon is recorded as interrupted and its container removed', async () => {
    const job = await create({ name: 'orphan', schedule: '0 3 * * *', command: ['sleep', '30'], enabled: false });
    const runId = 'crr_leftbehind0';
    await t.db
      .insertInto('cron_runs')
      .values({
        id: runId,
        job_id: job.id,
        trigger: 'schedule',
        attempt: 1,
        status: 'running',
        image: null,
        container_id: null,
        started_at: Date.now(),
        ended_at: null,
        exit_code: null,
        error: null,
      })
      .execute();
    const left = await t.runtime.createContainer({
      name: `berth-cron-test-${runId.slice(4)}`,
      image: TEST_IMAGES.busybox,
      cmd: ['sleep', '30'],
      labels: testLabels({ [LABELS.service]: serviceId, [LABELS.cronJob]: job.id, [LABELS.cronRun]: runId }),
    });
    await t.runtime.startContainer(left);
    await t.ctx.cron.start();
    const [run] = await runsOf(job.id);
    assert.equal(run!.status, 'failed');
    assert.match(run!.error ?? '', /Interrupted/);
    assert.equal(await t.runtime.inspectContainer(left), undefined, 'its container is gone');
    assert.equal((await api('DELETE', `/services/${serviceId}/cron-jobs/${job.id}`)).statusCode, 204);
  });

  it('deleting the service removes its jobs, their history, the running container and the schedule', async () => {
    const job = await create({ name: 'last', schedule: '* * * * * *', command: ['sleep', '30'] });
    await waitFor(
      'a running container',
      () => t.runtime.listContainers({ [LABELS.cronJob]: job.id }),
      (c) => c.length === 1,
    );
    const deleted = await api('DELETE', `/services/${serviceId}`, { confirm: 'app' });
    assert.equal(deleted.statusCode, 200, deleted.body);
    await t.ctx.cron.idle(job.id);
    assert.equal((await t.runtime.listContainers({ [LABELS.cronJob]: job.id })).length, 0, 'the run container is gone');
    await sleep(2500);
    assert.equal((await t.runtime.listContainers({ [LABELS.cronJob]: job.id })).length, 0, 'nothing runs any more');
    const jobs = await t.db.selectFrom('cron_jobs').select('id').where('service_id', '=', serviceId).execute();
    const runs = await t.db.selectFrom('cron_runs').select('id').where('job_id', '=', job.id).execute();
    assert.deepEqual([jobs.length, runs.length], [0, 0]);
  });
});
