/**
 * Fast, still safe switches (issue 17): the proxy moves to the new containers as soon as they are
 * healthy, the previous release stands by through the stabilisation window, and a new version that dies
 * in the window hands the traffic straight back to it, with no failed request. A deployment is `active`
 * only after the window.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { containersWithLabels, createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get, startLoad } from '../helpers/load.js';

const HOST = 'web-fastswitch.localhost';
/** Long enough that "answers before the window ends" cannot pass by luck on a loaded machine. */
const WINDOW_MS = 8000;
const CRASH_AFTER_MS = 2500;

/** The fixture's server, plus an exit with code 1 a little after it starts listening. */
const crashingServer = (source: string) =>
  `${source}\nsetTimeout(() => {\n  console.error('crashing on purpose');\n  process.exit(1);\n}, ${CRASH_AFTER_MS});\n`;

/** The fixture's server, whose health check starts failing (500) a little after it starts listening. */
const sickeningServer = (source: string) =>
  source.replace(
    "if (url.pathname === '/healthz') return reply(res, 200, 'ok');",
    `if (url.pathname === '/healthz') return Date.now() - startedAt > ${CRASH_AFTER_MS} ? reply(res, 500, 'sick') : reply(res, 200, 'ok');`,
  ) + '\nconst startedAt = Date.now();\n';

describe('fast, still safe switches', () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let serviceId: string;
  const files = fixtureFiles('dockerfile-app');

  const trigger = async () => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  };
  const statusOf = async (id: string) => (await h.api<{ status: string }>('GET', `/deployments/${id}`)).body.status;

  /** Polls the proxy until it answers `expected`; returns when (ms since epoch). */
  async function firstAnswer(expected: string, timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const answer = await get(h.proxyPort, HOST).catch(() => undefined);
      if (answer?.status === 200 && answer.body === expected) return Date.now();
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the proxy never answered ${expected}`);
  }

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('fastswitch-web', { ...files, VERSION: 'v1\n' });
    h = await startHarness({ BERTH_STABILISATION_SECONDS: String(WINDOW_MS / 1000) });
    ({ serviceId } = await createFixtureService(h.api, { project: 'fastswitch', service: 'web', repoUrl: repo.url }));
    const first = await h.waitForDeployment(await trigger());
    assert.equal(first.status, 'active', String(first.error));
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('answers with the new version before the window ends, and is active only after it', async () => {
    const previous = (await h.api<Array<{ id: string; status: string }>>('GET', `/services/${serviceId}/deployments`))
      .body;
    const v1 = previous.find((d) => d.status === 'active')!;
    await repo.commit({ VERSION: 'v2\n' }, 'release v2');
    const postedAt = Date.now();
    const id = await trigger();
    const answeredAt = await firstAnswer('v2');

    // (c) In the window: switched, not active; the previous deployment is still the active one and its
    // container still runs, ready to take the traffic back.
    assert.equal(await statusOf(id), 'watching');
    assert.equal(await statusOf(v1.id), 'active');
    const standing = await containersWithLabels({ 'berth.deployment': v1.id });
    assert.equal(standing.length, 1, 'the previous release stands by during the window');
    assert.equal(standing[0]!.state, 'running');

    const done = await h.waitForDeployment(id);
    const activeAt = Date.now();
    assert.equal(done.status, 'active', String(done.error));
    // (a) The new version answered well before the window was over.
    const answerMs = answeredAt - postedAt;
    assert.ok(answerMs < WINDOW_MS, `first v2 answer ${answerMs} ms after the POST, the window is ${WINDOW_MS} ms`);
    assert.ok(
      activeAt - answeredAt >= WINDOW_MS - 1500,
      `active ${activeAt - answeredAt} ms after the first v2 answer; the window is ${WINDOW_MS} ms`,
    );
    const timings = done.phaseTimings as Record<string, number>;
    assert.ok(timings.watching! >= WINDOW_MS - 100, `watching phase took ${timings.watching} ms`);
    assert.equal(await statusOf(v1.id), 'replaced');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2');
  });

  it('switches back at once when the new version crashes in the window, with no failed request', async () => {
    const before = (await h.api<Array<{ id: string; status: string }>>('GET', `/services/${serviceId}/deployments`))
      .body;
    const v2 = before.find((d) => d.status === 'active')!;
    await repo.commit({ VERSION: 'v3\n', 'server.mjs': crashingServer(files['server.mjs']!) }, 'v3 crashes');
    const load = startLoad({ port: h.proxyPort, host: HOST, connections: 8, maxSeconds: 240 });
    let done: Record<string, unknown>;
    try {
      const id = await trigger();
      done = await h.waitForDeployment(id);
      // A little more load after the switch back: the old version keeps answering.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      const result = await load.stop();
      assert.equal(result.failed, 0, `failed requests: ${result.errors.slice(0, 10).join(' | ')}`);
      assert.ok(result.ok > 100, `only ${result.ok} requests went through`);
      assert.ok(result.bodies.includes('v3'), `the new version never served (bodies: ${result.bodies.join(', ')})`);
    }
    assert.equal(done.status, 'failed');
    assert.match(String(done.error), /A new container exited.* during the 8 s stabilisation window after the switch/);
    assert.equal(await statusOf(v2.id), 'active', 'the previous deployment is still the active one');
    for (let i = 0; i < 5; i++) assert.equal((await get(h.proxyPort, HOST)).body, 'v2');
    const logs = await h.api<{ lines: string[] }>('GET', `/deployments/${String(done.id)}/logs`);
    const text = JSON.stringify(logs.body);
    assert.match(text, /Switched back to the previous version \d+ ms after the switch/);
    // Its containers go; the previous release stays.
    const deadline = Date.now() + 30_000;
    while ((await containersWithLabels({ 'berth.deployment': String(done.id) })).length > 0) {
      assert.ok(Date.now() < deadline, 'the failed deployment kept its containers');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal((await containersWithLabels({ 'berth.deployment': v2.id })).length, 1);
  });

  it('switches back when a new container fails its health check in the window', async () => {
    const list = await h.api<Array<{ id: string; status: string }>>('GET', `/services/${serviceId}/deployments`);
    const v2 = list.body.find((d) => d.status === 'active')!;
    const server = sickeningServer(files['server.mjs']!);
    assert.ok(server.includes("reply(res, 500, 'sick')"), 'the health route was patched');
    await repo.commit({ VERSION: 'v4\n', 'server.mjs': server }, 'v4 gets sick');
    const id = await trigger();
    await firstAnswer('v4');
    const done = await h.waitForDeployment(id);
    assert.equal(done.status, 'failed');
    assert.match(
      String(done.error),
      /A new container failed its health check 2 times in a row \(GET \/healthz answered 500, expected 200\) during the 8 s stabilisation window after the switch/,
    );
    assert.equal(await statusOf(v2.id), 'active');
    assert.equal((await get(h.proxyPort, HOST)).body, 'v2');
  });
});
