/**
 * Kept logs of a managed database, end to end: a real daemon runs a real Redis container; its output is
 * stored with the engine's timestamps and read back through the API (search, download) and the database
 * page. Changing its limits recreates the container: the first container's log is still there, as a run
 * of its own, after the container is gone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connection.js';
import { after, before, describe, it } from 'node:test';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { startHarness, type Harness } from '../helpers/deploy-harness.js';
import { testDockerEndpoint } from '../helpers/docker-test-env.js';
import { InjectClient } from '../helpers/inject-client.js';

interface Run {
  run: string;
  lines: number;
  firstAt: string;
  lastAt: string;
}
interface Kept {
  runs: Run[];
  run: string | null;
  lines: Array<{ at: string; line: string; stream: 'stdout' | 'stderr' | null }>;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const READY = /Ready to accept connections/;

describe('kept logs of a managed database', () => {
  let h: Harness;
  const runtime = new DockerRuntime(testDockerEndpoint());
  let databaseId: string;
  let firstContainer: string;
  let firstRun: string;
  const kept = (query = '') => h.api<Kept>('GET', `/databases/${databaseId}/logs/kept${query}`);

  before(async () => {
    h = await startHarness({ BERTH_DB_IMAGE_REDIS: 'berth-test/redis:7' });
    const project = await h.api<{ id: string }>('POST', '/projects', { name: 'dblogs' });
    const created = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/databases`, {
      name: 'cache',
      engine: 'redis',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    databaseId = created.body.id;
    await eventually('the database to run', async () =>
      (await h.api<{ status: string }>('GET', `/databases/${databaseId}`)).body.status === 'running' ? true : undefined,
    );
    const [container] = await runtime.listContainers({ 'berth.service': databaseId, 'berth.role': 'database' });
    firstContainer = container!.id;
    firstRun = `ctr_${firstContainer.slice(0, 12)}`;
  });
  after(async () => {
    if (databaseId) await h?.api('DELETE', `/databases/${databaseId}`, { confirm: 'cache', deleteVolume: true });
    await h?.close();
  });

  it("stores the database container's output with the time of each line, searchable through the API", async () => {
    const body = await eventually('the ready line', async () => {
      const { body } = await kept();
      return body.lines.some((l) => READY.test(l.line)) ? body : undefined;
    });
    assert.equal(body.run, firstRun);
    assert.deepEqual(
      body.runs.map((r) => r.run),
      [firstRun],
    );
    const ready = body.lines.find((l) => READY.test(l.line))!;
    // The engine's timestamp of the line, not the time Berth read it: within the container's life.
    const inspected = await runtime.inspectContainer(firstContainer);
    assert.ok(
      Date.parse(ready.at) >= Date.parse(inspected!.startedAt!) - 1000,
      `${ready.at} vs ${inspected!.startedAt}`,
    );
    assert.ok(Date.parse(ready.at) <= Date.now());

    const found = (await kept(`?search=${encodeURIComponent('ready TO accept')}`)).body.lines;
    assert.ok(found.length >= 1 && found.every((l) => READY.test(l.line)));
    assert.equal((await kept('?search=no-such-text-anywhere')).body.lines.length, 0);
    // Redis writes its log to stdout: the line keeps that stream, and the filter follows it.
    assert.equal(ready.stream, 'stdout');
    assert.ok((await kept('?stream=stdout')).body.lines.some((l) => READY.test(l.line)));
    assert.ok(!(await kept('?stream=stderr')).body.lines.some((l) => READY.test(l.line)));
    const refused = await kept('?stream=err');
    assert.equal(refused.status, 422);
    assert.equal((await kept('?run=ctr_000000000000')).status, 404, 'a run of no container of this database');
    assert.equal((await h.api('GET', '/databases/svc_nosuchdatabase/logs/kept')).status, 404);
    const anonymous = await fetch(`${h.panelUrl}/api/v1/databases/${databaseId}/logs/kept`);
    assert.equal(anonymous.status, 401);
  });

  it("keeps the first container's log after a settings change recreated the container; downloadable", async () => {
    const changed = await h.api('PATCH', `/databases/${databaseId}`, { memoryMb: 160 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await eventually('the first container to be gone', async () =>
      (await runtime.inspectContainer(firstContainer)) === undefined ? true : undefined,
    );
    const body = await eventually('a second run with its ready line', async () => {
      const { body } = await kept();
      return body.runs.length === 2 && body.lines.some((l) => READY.test(l.line)) ? body : undefined;
    });
    assert.notEqual(body.run, firstRun, 'the newest run comes first');
    assert.equal(body.runs[1]!.run, firstRun);

    const old = await kept(`?run=${firstRun}`);
    assert.ok(
      old.body.lines.some((l) => READY.test(l.line)),
      'the removed container’s output is still kept',
    );

    const download = await fetch(`${h.panelUrl}/api/v1/databases/${databaseId}/logs/kept/download?run=${firstRun}`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment/);
    const text = await download.text();
    assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[1\] .*Ready to accept connections/m);
    assert.equal(text.trimEnd().split('\n').length, old.body.runs.find((r) => r.run === firstRun)!.lines);
  });

  it('shows the kept log on the database page, with search and download', async () => {
    const panel = new InjectClient(h.daemon.app);
    const csrf = await panel.csrfFrom('/login');
    assert.equal((await panel.postForm('/login', { _csrf: csrf, ...h.admin })).statusCode, 303);
    const page = await panel.get(`/databases/${databaseId}`);
    assert.match(page.body, new RegExp(`hx-get="/databases/${databaseId}/logs/kept"`));
    const section = await panel.get(`/databases/${databaseId}/logs/kept?run=${firstRun}&search=ready`, {
      'hx-request': 'true',
    });
    assert.equal(section.statusCode, 200);
    assert.match(section.body, /<pre class="log" id="db-kept-log">[^<]*Ready to accept connections/);
    assert.match(section.body, new RegExp(`href="/databases/${databaseId}/logs/kept/download\\?run=${firstRun}"`));
    assert.match(section.body, /<select name="stream" id="db-kept-logs-stream"[^>]*hx-include="closest form">/);
    const stderr = await panel.get(`/databases/${databaseId}/logs/kept?run=${firstRun}&search=ready&stream=stderr`, {
      'hx-request': 'true',
    });
    assert.match(stderr.body, /<option value="stderr" selected>/);
    assert.match(stderr.body, /id="db-kept-logs-no-match">No stderr line of this container contains “ready”/);
    assert.match(stderr.body, new RegExp(`download\\?run=${firstRun}&amp;stream=stderr"`));
    const stdoutFile = await panel.get(`/databases/${databaseId}/logs/kept/download?run=${firstRun}&stream=stdout`);
    assert.match(stdoutFile.body, /Ready to accept connections/);
    const stderrFile = await panel.get(`/databases/${databaseId}/logs/kept/download?run=${firstRun}&stream=stderr`);
    assert.ok(!stderrFile.body.includes('Ready to accept connections'));
    const download = await panel.get(`/databases/${databaseId}/logs/kept/download?run=${firstRun}`);
    assert.equal(download.statusCode, 200);
    assert.match(download.body, /Ready to accept connections/);
    const foreign = await panel.get(`/databases/${databaseId}/logs/kept/download?run=ctr_000000000000`);
    assert.equal(foreign.statusCode, 404);
  });

  it('deletes the kept log with the database: no line is left behind', async () => {
    const store = openDatabase(join(h.dataDir, 'berth.db'));
    try {
      const count = async () =>
        Number(
          (
            await store.db
              .selectFrom('runtime_log_lines')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('service_id', '=', databaseId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.ok((await count()) > 0, 'lines were kept while the database lived');
      const deleted = await h.api('DELETE', `/databases/${databaseId}`, { confirm: 'cache', deleteVolume: true });
      assert.equal(deleted.status, 200);
      databaseId = '';
      assert.equal(await count(), 0);
    } finally {
      await store.close();
    }
  });
});
