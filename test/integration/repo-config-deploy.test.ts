/**
 * berth.json end to end on the real daemon and Docker engine, through `git push` to Berth's own remote: a
 * file in the pushed commit changes the start command, the health-check path and a variable of that deploy
 * (the app answers from the new command; the deployment records what the file set), and an invalid file
 * fails the deploy naming the line and the field, while the previous release keeps serving. A berth.toml in
 * its place does the same (the start command of the next deploy comes from it).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { commitFiles, git, mustGit, workingRepo } from '../helpers/git-cli.js';
import { get } from '../helpers/load.js';

const HOST = 'web-config.localhost';

/** A second entry point: answers "alt <GREETING>" on / and is healthy only on /alt-health (not /healthz). */
const ALT_APP = `import http from 'node:http';
const port = Number(process.env.PORT || 3000);
http
  .createServer((req, res) => {
    if (req.url === '/alt-health') return res.end('fine');
    if (req.url === '/') return res.end(\`alt \${process.env.GREETING}\`);
    res.statusCode = 404;
    res.end('not found');
  })
  .listen(port);
process.on('SIGTERM', () => process.exit(0));
`;

/** A worker the file declares (the repository has no Procfile): a line a second until SIGTERM. */
const TICKER = `setInterval(() => console.log('tick'), 1000);
process.on('SIGTERM', () => process.exit(0));
`;

const VALID = JSON.stringify(
  {
    start: 'node alt.mjs',
    healthcheck: { path: '/alt-health', timeoutSeconds: 30 },
    variables: { GREETING: 'from-berth-json' },
    processes: { ticker: 'node ticker.mjs' },
  },
  null,
  2,
);

// Line 4 holds the mistake: the path lacks its leading slash.
const INVALID = [
  '{',
  '  "start": "node alt.mjs",',
  '  "healthcheck": {',
  '    "path": "alt-health"',
  '  }',
  '}',
  '',
].join('\n');

describe('berth.json in a pushed commit', () => {
  let h: Harness;
  let work: string;
  let serviceId: string;
  let remote: string;

  const answer = async () => (await get(h.proxyPort, HOST, '/')).body;
  const latest = async () =>
    (await h.api<Array<Record<string, unknown> & { id: string }>>('GET', `/services/${serviceId}/deployments`))
      .body[0]!;

  before(async () => {
    h = await startHarness({ BERTH_STABILISATION_SECONDS: '1' });
    ({ serviceId } = await createFixtureService(h.api, { project: 'config', push: true }));
    const token = (await h.api<{ token: string }>('POST', '/tokens', { name: 'push' })).body.token;
    remote = `http://git:${token}@${new URL(h.panelUrl).host}/git/config/web.git`;
    work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' }, 'First release');
    const first = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(first.code, 0, first.output);
    assert.equal(await answer(), 'v1');
  });
  after(async () => {
    await h?.close();
  });

  it('changes the start command, health-check path and variables of the next deploy', async () => {
    await commitFiles(
      work,
      { 'alt.mjs': ALT_APP, 'ticker.mjs': TICKER, 'berth.json': VALID },
      'Settings in berth.json',
    );
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: .*Using berth\.json: start, healthcheck, variables, processes from the file/);
    assert.equal(await answer(), 'alt from-berth-json', 'the containers run the command from the file');
    assert.equal((await get(h.proxyPort, HOST, '/healthz')).status, 404, 'the stored /healthz could not have passed');

    const deployment = await latest();
    assert.equal(deployment.status, 'active');
    const recorded = (await h.api<Record<string, unknown>>('GET', `/deployments/${deployment.id}`)).body;
    const expected = {
      path: 'berth.json',
      environment: null,
      deploymentId: deployment.id,
      settings: JSON.parse(VALID) as unknown,
    };
    assert.deepEqual(recorded.configFile, expected);
    const service = (await h.api<Record<string, unknown>>('GET', `/services/${serviceId}`)).body;
    assert.deepEqual(service.configFile, expected);
    assert.deepEqual(
      service.healthcheck,
      { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
      'the stored settings are unchanged: the file overrides them per deploy',
    );
    // The worker the file declares runs beside web (workers start once web serves: wait for it).
    type Listed = { processes: Array<{ type: string; command: string; running: number }> };
    let listed: Listed = { processes: [] };
    for (let i = 0; i < 60 && listed.processes[0]?.running !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      listed = (await h.api<Listed>('GET', `/services/${serviceId}/processes`)).body;
    }
    assert.deepEqual(
      listed.processes.map((p) => [p.type, p.command, p.running]),
      [['ticker', 'node ticker.mjs', 1]],
    );
  });

  it('fails the deploy of an invalid file with the line and field, and the previous release keeps serving', async () => {
    const liveSha = (await mustGit(['rev-parse', 'HEAD'], work)).trim();
    await commitFiles(work, { 'berth.json': INVALID, VERSION: 'v3\n' }, 'Broken berth.json');
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.notEqual(result.code, 0, result.output);
    const problem = 'berth.json line 4: healthcheck.path must start with /';
    assert.ok(result.output.includes(problem), result.output);
    assert.match(result.output, /remote: .*Push rejected: deployment failed/);

    const failed = await latest();
    assert.equal(failed.status, 'failed');
    assert.ok(String(failed.error).startsWith(problem), String(failed.error));
    const logs = (await h.api<{ lines: string[] }>('GET', `/deployments/${failed.id}/logs`)).body.lines;
    assert.ok(
      logs.some((l) => l.includes(problem)),
      logs.join('\n'),
    );
    assert.ok(!logs.some((l) => l.includes('--- building')), 'nothing was built');
    assert.equal(await answer(), 'alt from-berth-json');
    await mustGit(['reset', '--quiet', '--hard', liveSha], work);
  });

  it('a berth.toml instead of berth.json changes the start command of the next deploy', async () => {
    rmSync(join(work, 'berth.json'));
    const toml = [
      'start = "node alt.mjs"',
      '',
      '[healthcheck]',
      'path = "/alt-health"',
      '',
      '[variables]',
      'GREETING = "from-berth-toml"',
      '',
    ].join('\n');
    await commitFiles(work, { 'berth.toml': toml }, 'Settings in berth.toml');
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /remote: .*Using berth\.toml: start, healthcheck, variables from the file/);
    assert.equal(await answer(), 'alt from-berth-toml');
    const recorded = (await h.api<Record<string, unknown>>('GET', `/deployments/${(await latest()).id}`)).body;
    assert.equal((recorded.configFile as { path: string }).path, 'berth.toml');
  });

  it('without a file, the stored start command (set by the API or a project file) runs', async () => {
    rmSync(join(work, 'berth.toml'));
    const patched = await h.api('PATCH', `/services/${serviceId}`, {
      startCommand: 'node alt.mjs',
      healthcheck: { path: '/alt-health' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await h.api('PUT', `/services/${serviceId}/variables`, { GREETING: 'stored' })).status, 200);
    await commitFiles(work, { 'NOTE.md': 'no settings file\n' }, 'No settings file');
    const result = await git(['push', remote, 'main'], { cwd: work });
    assert.equal(result.code, 0, result.output);
    assert.doesNotMatch(result.output, /Using berth\./);
    assert.equal(await answer(), 'alt stored');
  });
});
