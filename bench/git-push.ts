/**
 * `git push` → the new version answering, for the Dockerfile fixture with a warm build cache: N pushes
 * (each a new commit changing VERSION) after one warm-up push, to Berth's smart-HTTP remote, timed from
 * starting `git push` to the first 200 with the new version through Berth's proxy, and to `git push`
 * exiting (it waits for the deploy to become active). Berth runs with its default 3 s stabilisation window,
 * which starts after traffic has switched to the new version (the old one stands by through it).
 * Same-run baselines, interleaved: the same commit pushed to a plain bare repository (git's own cost), and
 * the same build and run by hand through the Docker CLI. Run: `npm run bench:git-push` (loopback only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureFiles, startHarness } from '../test/helpers/deploy-harness.js';
import { RUN_ID, TEST_IMAGES, cleanupTestContainers } from '../test/helpers/docker-test-env.js';
import { commitFiles, git, mustGit, workingRepo, writeFiles } from '../test/helpers/git-cli.js';
import { docker } from './lib/docker-cli.js';
import { waitForAnswer } from './lib/first-answer.js';
import { plainDockerDeploy } from './lib/plain-docker.js';
import { formatMs, markdownTable, max, median } from './lib/stats.js';

const RUNS = 5;
const version = (i: number) => `push-v${i}-${RUN_ID}`;

const loadAtStart = loadavg()[0]!.toFixed(2);
const harness = await startHarness({ BERTH_STABILISATION_SECONDS: '3' });
const scratch = await mkdtemp(join(tmpdir(), 'berth-bench-push-'));
const plainRepo = join(scratch, 'plain.git');
const dockerDir = join(scratch, 'docker');
const tags: string[] = [];
const samples: Array<Record<string, number>> = [];
try {
  const project = await harness.api<{ id: string }>('POST', '/projects', { name: 'benchpush' });
  const service = await harness.api<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
    name: 'web',
    source: { type: 'push', branch: 'main' },
    port: 3000,
    healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
    build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
  });
  if (service.status !== 201) throw new Error(JSON.stringify(service.body));
  const token = (await harness.api<{ token: string }>('POST', '/tokens', { name: 'bench' })).body.token;
  const remote = `http://git:${token}@${new URL(harness.panelUrl).host}/git/benchpush/web.git`;
  const work = await workingRepo({ ...fixtureFiles('dockerfile-app'), VERSION: `${version(0)}\n` });
  await mustGit(['init', '--quiet', '--bare', plainRepo], scratch);
  writeFiles(dockerDir, fixtureFiles('dockerfile-app'));

  console.log('Warm-up: first push (cold build of the layers), first plain docker build');
  const warm = await git(['push', remote, 'main'], { cwd: work });
  if (warm.code !== 0) throw new Error(`warm-up push failed:\n${warm.output}`);
  await plainDockerDeploy(dockerDir, `plain-${version(0)}`, tags);

  for (let i = 1; i <= RUNS; i++) {
    await commitFiles(work, { VERSION: `${version(i)}\n` }, `release ${i}`);
    const plainStart = Date.now();
    await mustGit(['push', '--quiet', plainRepo, 'main'], work);
    const plainPush = Date.now() - plainStart;

    const startedAt = Date.now();
    const push = git(['push', remote, 'main'], { cwd: work }).then((r) => ({ ...r, at: Date.now() }));
    const answeredAt = await waitForAnswer({
      port: harness.proxyPort,
      host: 'web-benchpush.localhost',
      expected: version(i),
      timeoutMs: 120_000,
    });
    const pushed = await push;
    if (pushed.code !== 0) throw new Error(`push ${i} failed:\n${pushed.output}`);
    const [latest] = (
      await harness.api<Array<{ phaseTimings: Record<string, number>; createdAt: string }>>(
        'GET',
        `/services/${service.body.id}/deployments`,
      )
    ).body;
    const phases = latest?.phaseTimings ?? {};
    const docker = await plainDockerDeploy(dockerDir, `plain-${version(i)}`, tags);
    samples.push({
      ...phases,
      answer: answeredAt - startedAt,
      exit: pushed.at - startedAt,
      plainPush,
      dockerCli: docker.total!,
    });
    console.log(
      `  push ${i}: answering after ${answeredAt - startedAt} ms, git push exited after ${pushed.at - startedAt} ms`,
    );
    await new Promise((r) => setTimeout(r, 1000)); // let the old container drain before the next push
  }
} finally {
  await harness.close();
  await cleanupTestContainers();
  for (const tag of tags) await docker(['rmi', tag]).catch(() => {});
  await rm(scratch, { recursive: true, force: true });
}

const row = (label: string, key: string) => {
  const values = samples.map((s) => s[key]!);
  return [label, formatMs(median(values)), formatMs(max(values))];
};
console.log(
  `\ngit push → new version answering, Dockerfile fixture, warm build cache, ${RUNS} pushes after one warm-up. ` +
    `Milliseconds. Load average ${loadAtStart} at start, ${loadavg()[0]!.toFixed(2)} at the end.\n`,
);
console.log(
  markdownTable(
    ['measure', 'median (ms)', 'max (ms)'],
    [
      row('**Berth: git push start → first 200 with the new version via the proxy**', 'answer'),
      row('Berth: git push start → git push exits (accepted)', 'exit'),
      row('  of which fetching (reading the pushed commit: git archive)', 'fetching'),
      row('  of which building (docker build, warm cache)', 'building'),
      row('  of which starting (create + start the container)', 'starting'),
      row('  of which healthy (health check until the switch)', 'healthy'),
      row('  then watching (3 s stabilisation window, new version already answering)', 'watching'),
      row('baseline: git push of the same commit to a plain bare repo', 'plainPush'),
      row('baseline: docker build + docker run + first 200 by hand', 'dockerCli'),
    ],
  ),
);
console.log(
  '\nThe 3 s stabilisation window (BERTH_STABILISATION_SECONDS) runs after the switch: `git push` exits when the ' +
    'deploy is active, after it; the new version answers before it.',
);
