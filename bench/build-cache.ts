/**
 * Cold and warm builds of a real Next.js app (test/fixtures/apps/next-app: next, react, react-dom
 * from the registry, `next build`), through Berth and, interleaved in the same run, by a plain
 * `docker build` of the same repository with a conventional Dockerfile. Both use the legacy builder
 * and the host's CA bundle (Berth: BERTH_BUILD_CA_FILE; plain: the same file copied into the context).
 *   cold: a package.json unique to this run, so no layer of an earlier run helps: npm ci downloads
 *         everything, then next build;
 *   warm: a new commit that changes a page but not package.json or package-lock.json: the install
 *         step must come from the cache (checked in each build log), next build runs again.
 * Run: `npm run bench:build` (needs the registry; several minutes on a small machine).
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { fixtureFiles, startHarness, type Harness } from '../test/helpers/deploy-harness.js';
import { RUN_ID, TEST_IMAGES, TEST_RUN_LABEL } from '../test/helpers/docker-test-env.js';
import { startGitServer, type GitServer } from '../test/helpers/git-server.js';
import { get } from '../test/helpers/load.js';
import { markdownTable } from './lib/stats.js';

const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const DEPLOY_TIMEOUT_MS = 900_000;
const PAGE = 'pages/index.js';
const page = (text: string) => `export default function Home() {\n  return <h1>${text}</h1>;\n}\n`;

/** A Dockerfile such as a Next.js user would write by hand, trusting the CA for npm only while building. */
const PLAIN_DOCKERFILE = `FROM ${TEST_IMAGES.node}
WORKDIR /app
COPY build-ca.pem /tmp/build-ca.pem
ARG npm_config_cafile=/tmp/build-ca.pem
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
ENV NODE_ENV=production
CMD ["npx", "next", "start"]
`;

interface Result {
  seconds: number;
  installCached: boolean;
}

/** Whether the build step running `npm ci` was taken from the cache, from a legacy builder log. */
function installCached(lines: string[]): boolean {
  const step = lines.findIndex((line) => /Step \d+\/\d+ : RUN .*npm.*ci/.test(line));
  if (step === -1) throw new Error(`no npm ci step in the build log:\n${lines.slice(-30).join('\n')}`);
  return /Using cache/.test(lines.slice(step + 1).find((line) => line.trim() !== '') ?? '');
}

/** `docker build` with the legacy builder (the one Berth drives through the API); argv only. */
function dockerBuild(dir: string, tag: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'docker',
      ['build', '-t', tag, '--label', `${TEST_RUN_LABEL}=${RUN_ID}`, dir],
      { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`docker build failed:\n${(stdout + stderr).split('\n').slice(-30).join('\n')}`));
        else resolve(stdout.split('\n'));
      },
    );
  });
}

async function plainBuild(dir: string, tag: string): Promise<Result> {
  const started = Date.now();
  const lines = await dockerBuild(dir, tag);
  return { seconds: (Date.now() - started) / 1000, installCached: installCached(lines) };
}

async function berthDeploy(h: Harness, serviceId: string): Promise<Result & { building: number }> {
  const started = Date.now();
  const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
  if (created.status !== 201) throw new Error(`deploy: ${JSON.stringify(created.body)}`);
  const deployment = await h.waitForDeployment(created.body.id, DEPLOY_TIMEOUT_MS);
  const seconds = (Date.now() - started) / 1000;
  const logs = await h.api<{ lines: string[] }>('GET', `/deployments/${created.body.id}/logs`);
  if (deployment.status !== 'active') {
    throw new Error(`the deployment ended ${String(deployment.status)}:\n${logs.body.lines.slice(-30).join('\n')}`);
  }
  const building = ((deployment.phaseTimings as Record<string, number>).building ?? Number.NaN) / 1000;
  return { seconds, building, installCached: installCached(logs.body.lines) };
}

const loadAtStart = loadavg()[0]!.toFixed(2);
const files = fixtureFiles('next-app');
// Unique to this run: the install layers of both builds start cold.
const pkg = JSON.parse(files['package.json']!) as Record<string, unknown>;
files['package.json'] = `${JSON.stringify({ ...pkg, description: `bench run ${RUN_ID}` }, null, 2)}\n`;
files[PAGE] = page('Next.js, built by Berth (cold)');

const git: GitServer = await startGitServer();
const h = await startHarness({ BERTH_BUILD_CA_FILE: HOST_CA_BUNDLE });
const plainDir = await mkdtemp(join(tmpdir(), 'berth-bench-next-'));
const plainTag = `berth-bench/next-app:${RUN_ID}`;
let berth: { cold: Result & { building: number }; warm: Result & { building: number } };
let plain: { cold: Result; warm: Result };
try {
  const repo = await git.createRepo('next-app', files);
  const project = await h.api<{ id: string }>('POST', '/projects', { name: 'bench-next' });
  const service = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
    name: 'web',
    source: { type: 'git', url: repo.url, branch: 'main' },
    port: 3000,
    healthcheck: { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 60 },
  });
  if (service.status !== 201) throw new Error(`service: ${JSON.stringify(service.body)}`);
  const serviceId = service.body.id;
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(plainDir, name)), { recursive: true });
    await writeFile(join(plainDir, name), text);
  }
  await writeFile(join(plainDir, 'Dockerfile'), PLAIN_DOCKERFILE);
  await cp(HOST_CA_BUNDLE, join(plainDir, 'build-ca.pem'));

  console.log('cold: Berth deploy…');
  const berthCold = await berthDeploy(h, serviceId);
  console.log(`  ${berthCold.seconds.toFixed(1)} s; cold: plain docker build…`);
  const plainCold = await plainBuild(plainDir, plainTag);
  console.log(`  ${plainCold.seconds.toFixed(1)} s`);

  const warmPage = page('Next.js, built by Berth (warm)');
  await repo.commit({ [PAGE]: warmPage }, 'change a page, not the dependencies');
  await writeFile(join(plainDir, PAGE), warmPage);
  console.log('warm: Berth deploy…');
  const berthWarm = await berthDeploy(h, serviceId);
  console.log(`  ${berthWarm.seconds.toFixed(1)} s; warm: plain docker build…`);
  const plainWarm = await plainBuild(plainDir, plainTag);
  console.log(`  ${plainWarm.seconds.toFixed(1)} s`);
  const answer = await get(h.proxyPort, 'web-bench-next.localhost', '/');
  if (!answer.body.includes('(warm)')) throw new Error(`the warm deploy does not serve the new page: ${answer.status}`);
  berth = { cold: berthCold, warm: berthWarm };
  plain = { cold: plainCold, warm: plainWarm };
} finally {
  await h.close();
  await git.close();
  await new Promise((resolve) => execFile('docker', ['rmi', plainTag], () => resolve(undefined)));
  await rm(plainDir, { recursive: true, force: true });
}

const s = (value: number) => value.toFixed(1);
const cached = (r: Result) => (r.installCached ? 'cached' : 'ran');
const lock = JSON.parse(files['package-lock.json']!) as { packages: Record<string, { version?: string }> };
console.log(
  `\nNext.js ${lock.packages['node_modules/next']?.version ?? '?'} app, cold and warm builds (seconds), Berth and a ` +
    `plain docker build of the same repository interleaved in one run; legacy builder on both sides. Load ` +
    `average ${loadAtStart} at start, ${loadavg()[0]!.toFixed(2)} at the end.\n`,
);
console.log(
  markdownTable(
    ['', 'cold (new lockfile)', 'warm (same lockfile)', 'npm ci on the warm build'],
    [
      [
        'Berth: building phase (node buildpack, docker build through the API)',
        s(berth.cold.building),
        s(berth.warm.building),
        cached(berth.warm),
      ],
      [
        'Berth: whole deploy (POST → active: fetch, build, start, health, switch)',
        s(berth.cold.seconds),
        s(berth.warm.seconds),
        cached(berth.warm),
      ],
      [
        'plain `docker build` (hand-written Dockerfile)',
        s(plain.cold.seconds),
        s(plain.warm.seconds),
        cached(plain.warm),
      ],
    ],
  ),
);
