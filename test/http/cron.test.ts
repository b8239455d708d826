/**
 * The cron job API and the panel's Cron tab over the real app (fastify inject, real SQLite): create,
 * read, change, pause and delete through both; every refusal of a bad field is 422 naming the field; a
 * viewer reads but is refused on every write (API and panel); panel forms need their CSRF token; writes are
 * audited as cron.*. Schedules here never fire during the test (03:00 daily, or paused).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cronFailed } from '../../src/alerts/rules/cron-rules.js';
import type { RuleContext } from '../../src/alerts/rules/rule-context.js';
import { csrfTokenOf, type InjectClient } from '../helpers/inject-client.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedTeam, signIn, token, type Team } from '../helpers/team-fixture.js';

describe('cron jobs over HTTP', () => {
  let t: TestApp;
  let team: Team;
  let dev: Record<string, string>;
  let viewer: Record<string, string>;
  let devPanel: InjectClient;
  let viewerPanel: InjectClient;
  let svc: string;

  const api = (
    headers: Record<string, string>,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  before(async () => {
    t = await createTestApp();
    team = await seedTeam(t);
    svc = team.ids.service;
    dev = { authorization: `Bearer ${await token(t, team.users.developer.id)}` };
    viewer = { authorization: `Bearer ${await token(t, team.users.viewer.id)}` };
    devPanel = await signIn(t, team.users.developer.email);
    viewerPanel = await signIn(t, team.users.viewer.email);
  });
  after(async () => {
    await t?.ctx.cron.stop();
    await t?.close();
  });

  it('creates, reads, changes, pauses and deletes a job through the API', async () => {
    const created = await api(dev, 'POST', `/services/${svc}/cron-jobs`, {
      name: 'report',
      schedule: '0 3 * * *',
      timezone: 'Europe/Berlin',
      command: ['node', 'report.js'],
      overlap: 'queue',
      timeoutSeconds: 600,
      retries: 2,
    });
    assert.equal(created.statusCode, 201, created.body);
    const job = created.json();
    assert.equal(job.schedule, '0 3 * * *');
    assert.equal(job.timezone, 'Europe/Berlin');
    assert.deepEqual(job.command, { argv: ['node', 'report.js'] });
    assert.equal(job.enabled, true);
    assert.equal(job.lastRun, null);
    // 03:00 in Berlin is 01:00 or 02:00 UTC, depending on daylight saving.
    assert.match(job.nextRunAt, /T0[12]:00:00\.000Z$/);

    const list = await api(viewer, 'GET', `/services/${svc}/cron-jobs`);
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().map((j: { name: string }) => j.name),
      ['report'],
    );

    const changed = await api(dev, 'PATCH', `/services/${svc}/cron-jobs/${job.id}`, {
      command: 'echo hi',
      enabled: false,
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(changed.json().command, { shell: 'echo hi' });
    assert.equal(changed.json().enabled, false);
    assert.equal(changed.json().nextRunAt, null);
    assert.equal(changed.json().schedule, '0 3 * * *', 'fields not given stay');

    const taken = await api(dev, 'POST', `/services/${svc}/cron-jobs`, {
      name: 'report',
      schedule: '* * * * *',
      command: 'true',
    });
    assert.equal(taken.statusCode, 409);

    // A job of another project's service is not reachable through this service's URL.
    const other = await api(dev, 'GET', `/services/${team.betaService}/cron-jobs/${job.id}`);
    assert.equal(other.statusCode, 404);

    assert.equal((await api(dev, 'DELETE', `/services/${svc}/cron-jobs/${job.id}`)).statusCode, 204);
    assert.equal((await api(dev, 'GET', `/services/${svc}/cron-jobs/${job.id}`)).statusCode, 404);

    const actions = await t.db
      .selectFrom('audit_events')
      .select(['action', 'object_id'])
      .where('action', 'like', 'cron.%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['cron.create', 'cron.update', 'cron.create', 'cron.delete'],
    );
    assert.ok(actions.every((a) => a.object_id === svc));
  });

  it('refuses a bad schedule, time zone, overlap policy, command, timeout and retries with 422 naming the field', async () => {
    const base = { name: 'bad', schedule: '*/5 * * * *', command: 'true' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ schedule: '61 * * * *' }, 'schedule'],
      [{ schedule: '* * * *' }, 'schedule'],
      [{ schedule: '* * * * * * *' }, 'schedule'],
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      [{ overlap: 'parallel' }, 'overlap'],
      [{ command: [] }, 'command'],
      [{ command: '   ' }, 'command'],
      [{ timeoutSeconds: 0 }, 'timeoutSeconds'],
      [{ retries: 9 }, 'retries'],
      [{ name: 'Bad Name' }, 'name'],
    ];
    for (const [change, field] of cases) {
      const res = await api(dev, 'POST', `/services/${svc}/cron-jobs`, { ...base, ...change });
      assert.equal(res.statusCode, 422, `${JSON.stringify(change)}: ${res.body}`);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.ok(res.json().error.details[field], `${JSON.stringify(change)} names ${field}: ${res.body}`);
    }
    const seconds = await api(dev, 'POST', `/services/${svc}/cron-jobs`, {
      ...base,
      name: 'secs',
      schedule: '*/10 * * * * *',
      enabled: false,
    });
    assert.equal(seconds.statusCode, 201, 'six fields (seconds first) are accepted');
    await api(dev, 'DELETE', `/services/${svc}/cron-jobs/${seconds.json().id}`);
    // A database is not an app: it has no image of its own to run a command in.
    const onDatabase = await t.app.inject({
      method: 'POST',
      url: `/api/v1/services/${team.ids.database}/cron-jobs`,
      headers: { authorization: `Bearer ${await token(t, team.users.owner.id)}` },
      payload: base,
    });
    assert.equal(onDatabase.statusCode, 422);
  });

  it('lets a viewer read but refuses every write (API and panel)', async () => {
    const job = (
      await api(dev, 'POST', `/services/${svc}/cron-jobs`, { name: 'kept', schedule: '0 3 * * *', command: 'true' })
    ).json();
    assert.equal((await api(viewer, 'GET', `/services/${svc}/cron-jobs/${job.id}`)).statusCode, 200);
    assert.equal((await api(viewer, 'GET', `/services/${svc}/cron-jobs/${job.id}/runs`)).statusCode, 200);
    const writes: Array<['POST' | 'PATCH' | 'DELETE', string, object?]> = [
      ['POST', `/services/${svc}/cron-jobs`, { name: 'x', schedule: '0 3 * * *', command: 'true' }],
      ['PATCH', `/services/${svc}/cron-jobs/${job.id}`, { enabled: false }],
      ['POST', `/services/${svc}/cron-jobs/${job.id}/run`],
      ['DELETE', `/services/${svc}/cron-jobs/${job.id}`],
    ];
    for (const [method, url, body] of writes) {
      assert.equal((await api(viewer, method, url, body)).statusCode, 403, `${method} ${url}`);
    }
    const page = await viewerPanel.get(`/services/${svc}/cron`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /kept/);
    assert.doesNotMatch(page.body, /Add a cron job|Run now/, 'no write controls for a viewer');
    const csrf = csrfTokenOf(page.body);
    for (const path of ['', `/${job.id}/run`, `/${job.id}/pause`, `/${job.id}/delete`]) {
      const res = await viewerPanel.postForm(`/services/${svc}/cron${path}`, {
        _csrf: csrf,
        name: 'x',
        schedule: '0 3 * * *',
        command: 'true',
      });
      assert.equal(res.statusCode, 403, path);
    }
    assert.equal((await api(viewer, 'GET', `/services/${svc}/cron-jobs`)).json().length, 1, 'nothing changed');
    await api(dev, 'DELETE', `/services/${svc}/cron-jobs/${job.id}`);
  });

  it('the Cron tab explains cron jobs when empty, adds, pauses and deletes a job with its forms', async () => {
    const empty = await devPanel.get(`/services/${svc}/cron`);
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /id="tab-cron"[^>]*aria-current="page"/);
    assert.match(empty.body, /No cron jobs yet/);
    const csrf = csrfTokenOf(empty.body);

    const noToken = await devPanel.postForm(`/services/${svc}/cron`, {
      name: 'x',
      schedule: '0 3 * * *',
      command: 'true',
    });
    assert.equal(noToken.statusCode, 403, 'a form without its CSRF token is refused');

    const bad = await devPanel.postForm(`/services/${svc}/cron`, {
      _csrf: csrf,
      name: 'nightly',
      schedule: 'every night',
      commandMode: 'shell',
      command: 'true',
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /id="cron-error-schedule"/);
    assert.match(bad.body, /value="every night"/, 'what was typed is kept');

    const added = await devPanel.postForm(`/services/${svc}/cron`, {
      _csrf: csrf,
      name: 'nightly',
      schedule: '30 2 * * *',
      timezone: 'UTC',
      commandMode: 'argv',
      command: 'node\nscripts/clean.js\n--all',
      overlap: 'replace',
      timeoutSeconds: '120',
      retries: '1',
    });
    assert.equal(added.statusCode, 303, added.body);
    const [job] = await t.ctx.cron.list(svc);
    assert.deepEqual(job!.command, { argv: ['node', 'scripts/clean.js', '--all'] });
    assert.equal(job!.overlap, 'replace');
    assert.equal(job!.timeoutSeconds, 120);

    const shown = await devPanel.get(added.headers.location as string);
    assert.match(shown.body, /Cron job nightly added/);
    assert.match(shown.body, /id="cron-job-/);
    assert.match(shown.body, /Runs of nightly/);
    assert.match(shown.body, /No runs yet/);

    const paused = await devPanel.postForm(`/services/${svc}/cron/${job!.id}/pause`, { _csrf: csrf });
    assert.equal(paused.statusCode, 303);
    assert.equal((await t.ctx.cron.get(job!.id)).enabled, false);
    assert.match((await devPanel.get(`/services/${svc}/cron`)).body, /<span class="tag">paused<\/span>/);

    const edited = await devPanel.postForm(`/services/${svc}/cron/${job!.id}`, {
      _csrf: csrf,
      name: 'nightly',
      schedule: '0 4 * * *',
      timezone: 'UTC',
      commandMode: 'shell',
      command: 'node scripts/clean.js --all',
      overlap: 'skip',
      timeoutSeconds: '60',
      retries: '0',
    });
    assert.equal(edited.statusCode, 303);
    const after = await t.ctx.cron.get(job!.id);
    assert.equal(after.schedule, '0 4 * * *');
    assert.deepEqual(after.command, { shell: 'node scripts/clean.js --all' });
    assert.equal(after.enabled, false, 'editing keeps it paused');

    const htmxDelete = await devPanel.postForm(
      `/services/${svc}/cron/${job!.id}/delete`,
      { _csrf: csrf },
      { 'hx-request': 'true', 'hx-target': 'cron' },
    );
    assert.equal(htmxDelete.statusCode, 200);
    assert.match(htmxDelete.body, /Cron job nightly deleted/);
    assert.match(htmxDelete.body, /No cron jobs yet/);
    assert.doesNotMatch(htmxDelete.body, /<html/, 'htmx gets the section alone');
    assert.deepEqual(await t.ctx.cron.list(svc), []);
  });

  it('raises a cron_failed alert finding while the last finished run failed or timed out', async () => {
    const job = (
      await api(dev, 'POST', `/services/${svc}/cron-jobs`, { name: 'alerting', schedule: '0 3 * * *', command: 'true' })
    ).json();
    const ctx = { db: t.db } as RuleContext;
    const rule = { kind: 'cron_failed', enabled: true, threshold: null, windowSeconds: null } as const;
    const run = async (id: string, status: string, startedAt: number, exitCode: number | null) =>
      t.db
        .insertInto('cron_runs')
        .values({
          id,
          job_id: job.id,
          trigger: 'schedule',
          attempt: 1,
          status: status as 'failed',
          image: null,
          container_id: null,
          started_at: startedAt,
          ended_at: startedAt + 5,
          exit_code: exitCode,
          error: null,
        })
        .execute();
    assert.deepEqual(await cronFailed(ctx, rule), []);
    await run('crr_one', 'succeeded', 1000, 0);
    await run('crr_two', 'failed', 2000, 2);
    await run('crr_three', 'skipped', 3000, null);
    const [finding] = await cronFailed(ctx, rule);
    assert.equal(finding!.subject, `cron:${job.id}`);
    assert.equal(finding!.projectId, team.alpha);
    assert.match(finding!.title, /Cron job alerting of alpha\/web failed/);
    assert.match(finding!.detail, /crr_two failed with exit code 2/);
    await run('crr_four', 'succeeded', 4000, 0);
    assert.deepEqual(await cronFailed(ctx, rule), [], 'a later success resolves it');
    await api(dev, 'DELETE', `/services/${svc}/cron-jobs/${job.id}`);
  });
});
