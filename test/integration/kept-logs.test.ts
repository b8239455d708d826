/**
 * Logs that outlive containers, end to end: a real daemon builds and runs the dockerfile-app fixture, a
 * redeploy replaces (and removes) its container, and the first deployment's output is still listed,
 * searchable, filterable by stream (the fixture writes to stdout and stderr) and downloadable through the API
 * and the panel, cleaned and redacted like the live log. The same daemon's
 * proxy counts the requests sent to the app (HTTP metrics written by the daemon's own timers).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels, createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { InjectClient } from '../helpers/inject-client.js';

const SECRET = 'kept-s3cret-value-42';

function chattyServer(): string {
  const server = fixtureFiles('dockerfile-app')['server.mjs']!;
  return `${server}\nconsole.log('\\x1b[32mgreen\\x1b[0m boot of ' + process.env.LOG_SECRET);\nconsole.error('warming cache on stderr');\n`;
}

function get(port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface KeptLine {
  at: string;
  replica: number;
  line: string;
  stream: 'stdout' | 'stderr' | null;
}

describe('runtime logs kept per deployment', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let serviceId: string;
  let first: string;
  let appHost: string;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('kept-logs-app', {
      ...fixtureFiles('dockerfile-app'),
      'server.mjs': chattyServer(),
      VERSION: 'v1\n',
    });
    h = await startHarness();
    ({ serviceId } = await createFixtureService(h.api, { project: 'kept', service: 'app', repoUrl: repo.url }));
    assert.equal((await h.api('PUT', `/services/${serviceId}/variables`, { LOG_SECRET: SECRET })).status, 200);
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    const deployment = await h.waitForDeployment(created.body.id);
    assert.equal(deployment.status, 'active', String(deployment.error));
    first = created.body.id;
    appHost = new URL(String(deployment.url)).hostname;
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it("counts the app's requests in the daemon's HTTP metrics", async () => {
    for (let i = 0; i < 8; i++) assert.equal(await get(h.proxyPort, appHost, '/'), 200);
    for (let i = 0; i < 2; i++) assert.equal(await get(h.proxyPort, appHost, '/env/NOPE'), 404);
    // The daemon writes a window every 10 s.
    const totals = await eventually('the traffic window', async () => {
      const { body } = await h.api<{ totals: { requests: number; status2xx: number; status4xx: number } }>(
        'GET',
        `/services/${serviceId}/traffic`,
      );
      return body.totals.requests >= 10 ? body.totals : undefined;
    });
    assert.equal(totals.status2xx, 8);
    assert.equal(totals.status4xx, 2);
    // The request log is written every second, apart from the 10-s windows: it may land just after them.
    const paths = await eventually('the request log', async () => {
      const { body } = await h.api<{ entries: Array<{ path: string }> }>(
        'GET',
        `/services/${serviceId}/requests?status=404`,
      );
      return body.entries.length >= 2 ? body.entries.map((e) => e.path) : undefined;
    });
    assert.deepEqual(paths, ['/env/NOPE', '/env/NOPE']);
  });

  it("keeps a deployment's output after a redeploy removed its container: listed, searchable, downloadable", async () => {
    const kept = () => h.api<{ lines: KeptLine[] }>('GET', `/deployments/${first}/runtime-logs`);
    await eventually('the first start line', async () =>
      (await kept()).body.lines.some((l) => /dockerfile-app v1 listening/.test(l.line)) ? true : undefined,
    );

    await repo.commit({ VERSION: 'v2\n' }, 'release v2');
    const second = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal((await h.waitForDeployment(second.body.id)).status, 'active');
    await eventually('the old container to be removed', async () =>
      (await containersWithLabels({ 'berth.deployment': first })).length === 0 ? true : undefined,
    );

    const { status, body } = await kept();
    assert.equal(status, 200);
    const text = body.lines.map((l) => l.line);
    assert.ok(
      text.some((l) => /dockerfile-app v1 listening on port 3000/.test(l)),
      text.join('\n'),
    );
    assert.ok(text.includes('warming cache on stderr'), 'stderr is kept too');
    assert.ok(text.includes('green boot of [redacted]'), 'colours removed, the variable value redacted');
    assert.ok(!JSON.stringify(body).includes(SECRET), 'variable values are redacted');
    assert.ok(!JSON.stringify(body).includes('\\u001b'), 'escape sequences are removed');
    for (const line of body.lines) assert.ok(Math.abs(Date.parse(line.at) - Date.now()) < 10 * 60_000, line.at);

    const listed = await h.api<{ deployments: Array<{ deploymentId: string; lines: number }> }>(
      'GET',
      `/services/${serviceId}/logs/deployments`,
    );
    assert.deepEqual(
      listed.body.deployments.map((d) => d.deploymentId).sort(),
      [first, second.body.id].sort(),
      'both deployments have kept logs',
    );

    const found = await h.api<{ lines: KeptLine[] }>('GET', `/deployments/${first}/runtime-logs?search=WARMING`);
    assert.deepEqual(
      found.body.lines.map((l) => l.line),
      ['warming cache on stderr'],
    );

    // Each line keeps the stream it was written to; stream=stdout|stderr keeps that one, all keeps both.
    const byStream = async (stream: string) => {
      const { status, body } = await h.api<{ lines: KeptLine[] }>(
        'GET',
        `/deployments/${first}/runtime-logs?stream=${stream}`,
      );
      assert.equal(status, 200);
      return body.lines;
    };
    const stderr = await byStream('stderr');
    assert.deepEqual(
      stderr.map((l) => [l.stream, l.line]),
      [['stderr', 'warming cache on stderr']],
    );
    const stdout = (await byStream('stdout')).map((l) => l.line);
    assert.ok(stdout.some((l) => /dockerfile-app v1 listening/.test(l)) && stdout.includes('green boot of [redacted]'));
    assert.ok(!stdout.includes('warming cache on stderr'), 'stderr lines are not under stdout');
    // The container's last words (its SIGTERM line) may be stored after `text` was read: compare by content.
    const all = (await byStream('all')).map((l) => l.line);
    assert.ok(all.includes('warming cache on stderr') && all.includes('green boot of [redacted]'), all.join('\n'));
    assert.equal(
      (await h.api<{ lines: KeptLine[] }>('GET', `/deployments/${first}/runtime-logs?stream=stdout&search=warming`))
        .body.lines.length,
      0,
      'search and stream filter together',
    );
    const refused = await h.api<{ error: { code: string } }>('GET', `/deployments/${first}/runtime-logs?stream=both`);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'VALIDATION_FAILED');

    const streamFile = await fetch(`${h.panelUrl}/api/v1/deployments/${first}/runtime-logs/download?stream=stderr`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    assert.equal(streamFile.status, 200);
    assert.match(await streamFile.text(), /^\S+ \[1\] warming cache on stderr\n$/);
    const badFile = await fetch(`${h.panelUrl}/api/v1/deployments/${first}/runtime-logs/download?stream=STDERR`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    assert.equal(badFile.status, 422);

    const download = await fetch(`${h.panelUrl}/api/v1/deployments/${first}/runtime-logs/download`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    assert.equal(download.status, 200);
    assert.match(
      download.headers.get('content-disposition') ?? '',
      /attachment; filename="dep_[0-9a-z]+-runtime\.log"/,
    );
    const file = await download.text();
    assert.match(file, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[1\] dockerfile-app v1 listening on port 3000$/m);
    assert.ok(!file.includes(SECRET));
  });

  it('answers 404 for an unknown deployment and refuses calls without a token', async () => {
    assert.equal((await h.api('GET', '/deployments/dep_doesnotexist/runtime-logs')).status, 404);
    const anonymous = await fetch(`${h.panelUrl}/api/v1/deployments/${first}/runtime-logs`);
    assert.equal(anonymous.status, 401);
  });

  it("shows a past deployment's kept log in the panel, with search and download", async () => {
    const panel = new InjectClient(h.daemon.app);
    const csrf = await panel.csrfFrom('/login');
    assert.equal((await panel.postForm('/login', { _csrf: csrf, ...h.admin })).statusCode, 303);
    const logsPage = await panel.get(`/services/${serviceId}/logs`);
    assert.match(logsPage.body, new RegExp(`hx-get="/services/${serviceId}/logs/kept"`));

    const found = await panel.get(`/services/${serviceId}/logs/kept?deployment=${first}&search=warming`, {
      'hx-request': 'true',
    });
    assert.equal(found.statusCode, 200);
    assert.match(found.body, /<pre class="log" id="kept-log">\S+ \[1\] warming cache on stderr<\/pre>/);
    assert.match(found.body, new RegExp(`href="/services/${serviceId}/logs/download\\?deployment=${first}"`));

    const file = await panel.get(`/services/${serviceId}/logs/download?deployment=${first}`);
    assert.equal(file.statusCode, 200);
    assert.match(file.body, /\[1\] dockerfile-app v1 listening on port 3000/);

    // The Stream select sits next to the search and reloads the panel through htmx, like the other filters.
    const stdout = await panel.get(`/services/${serviceId}/logs/kept?deployment=${first}&stream=stdout`, {
      'hx-request': 'true',
    });
    assert.equal(stdout.statusCode, 200);
    assert.match(
      stdout.body,
      /<select name="stream" id="kept-logs-stream" hx-get="[^"]+"[^>]*hx-include="closest form">/,
    );
    assert.match(stdout.body, /<option value="stdout" selected>stdout<\/option>/);
    const shown = /<pre class="log" id="kept-log">([^<]*)<\/pre>/.exec(stdout.body)?.[1] ?? '';
    assert.match(shown, /dockerfile-app v1 listening on port 3000/);
    assert.ok(!shown.includes('warming cache'), 'no stderr line under stdout');
    assert.match(
      stdout.body,
      new RegExp(`href="/services/${serviceId}/logs/download\\?deployment=${first}&amp;stream=stdout"`),
      'the download link keeps the filter',
    );
    const none = await panel.get(
      `/services/${serviceId}/logs/kept?deployment=${first}&stream=stderr&search=listening`,
      {
        'hx-request': 'true',
      },
    );
    assert.match(none.body, /id="kept-logs-no-match">No stderr line of this deployment contains “listening”/);
    const stderrFile = await panel.get(`/services/${serviceId}/logs/download?deployment=${first}&stream=stderr`);
    assert.equal(stderrFile.statusCode, 200);
    assert.match(stderrFile.body, /^\S+ \[1\] warming cache on stderr\n$/);
    const bad = await panel.get(`/services/${serviceId}/logs/kept?deployment=${first}&stream=nope`, {
      'hx-request': 'true',
    });
    assert.equal(bad.statusCode, 422);
    assert.equal((await panel.get(`/services/${serviceId}/logs/download?deployment=dep_nope`)).statusCode, 404);
  });
});
