/**
 * Real applications with dependencies, deployed from git: an Express API (node buildpack, npm ci from
 * its package-lock.json) and a Vite + React app (static buildpack, `vite build` to dist/). The packages
 * come from the registry during the image build, through the host's CA bundle as BERTH_BUILD_CA_FILE
 * (containers here reach the registry only when they trust it). A second deploy with an unchanged
 * lockfile must take the install step from the cache: the build log shows it.
 *
 * Needs the registry, so it is kept apart from the offline build tests; every deploy is bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { get } from '../helpers/load.js';

const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const DEPLOY_TIMEOUT_MS = 300_000;

interface App {
  repo: TestRepo;
  serviceId: string;
  host: string;
}

/** The line after the build step whose instruction contains `instruction`: "Using cache" or the step's output. */
function lineAfterStep(lines: string[], instruction: string): string | undefined {
  const index = lines.findIndex((line) => /Step \d+\/\d+ : RUN/.test(line) && line.includes(instruction));
  return index === -1 ? undefined : lines.slice(index + 1).find((line) => line.trim() !== '');
}

describe('real applications with dependencies from the registry', { timeout: 900_000 }, () => {
  let h: Harness;
  let git: GitServer;
  const apps: Record<string, App> = {};

  const createApp = async (name: string, files: Record<string, string>, healthPath: string): Promise<App> => {
    const repo = await git.createRepo(name, files);
    const project = await h.api<{ id: string }>('POST', '/projects', { name });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    const service = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
      port: 3000,
      healthcheck: { type: 'http', path: healthPath, expectedStatus: 200, timeoutSeconds: 30 },
    });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    return { repo, serviceId: service.body.id, host: `web-${name}.localhost` };
  };

  /** Deploys the service's newest commit; returns the deployment and its whole build log. */
  const deploy = async (app: App): Promise<{ deployment: Record<string, unknown>; log: string[] }> => {
    const created = await h.api<{ id: string }>('POST', `/services/${app.serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deployment = await h.waitForDeployment(created.body.id, DEPLOY_TIMEOUT_MS);
    const logs = await h.api<{ lines: string[] }>('GET', `/deployments/${created.body.id}/logs`);
    assert.equal(deployment.status, 'active', `${String(deployment.error)}\n${logs.body.lines.join('\n')}`);
    return { deployment, log: logs.body.lines };
  };

  before(async () => {
    git = await startGitServer();
    h = await startHarness({ BERTH_BUILD_CA_FILE: HOST_CA_BUNDLE });
  });
  after(async () => {
    await h?.close();
    await git?.close();
  });

  it('deploys an Express API with a package-lock.json: npm ci runs during the build and the JSON route answers', async () => {
    apps.express = await createApp('express', fixtureFiles('express-api'), '/healthz');
    const { log } = await deploy(apps.express);
    const text = log.join('\n');
    assert.match(text, /Using the node buildpack: found package\.json and package-lock\.json/);
    assert.match(text, /The build trusts the CA bundle of BERTH_BUILD_CA_FILE/);
    assert.ok(lineAfterStep(log, '"npm","ci"'), `no npm ci step in the build log:\n${text}`);

    const response = await get(h.proxyPort, apps.express.host, '/api/status');
    assert.equal(response.status, 200, response.body);
    const body = JSON.parse(response.body) as { ok: boolean; framework: string; version: string };
    assert.equal(body.ok, true);
    assert.equal(body.framework, 'express');
    assert.match(body.version, /^4\./);
  });

  it('redeploys the Express API with an unchanged lockfile without installing again (the install step is cached)', async () => {
    await apps.express!.repo.commit({ 'README.md': 'a change that is not a dependency\n' }, 'docs');
    const { log } = await deploy(apps.express!);
    assert.match(lineAfterStep(log, '"npm","ci"') ?? '', /Using cache/, log.join('\n'));
    // The source changed, so the step copying it ran again: the cache is keyed on the lockfile, not the commit.
    assert.doesNotMatch(lineAfterStep(log, '"npm","prune"') ?? '', /Using cache/);
    const response = await get(h.proxyPort, apps.express!.host, '/api/status');
    assert.equal(response.status, 200);
  });

  it('builds a Vite + React app to static files and serves the built page and its bundle', async () => {
    apps.vite = await createApp('vite', fixtureFiles('vite-react'), '/');
    const { log } = await deploy(apps.vite);
    const text = log.join('\n');
    assert.match(text, /Using the static buildpack: found package\.json with a build script/);
    assert.match(text, /Serving dist\//);

    const page = await get(h.proxyPort, apps.vite.host, '/');
    assert.equal(page.status, 200);
    const script = /<script type="module" crossorigin src="(\/assets\/index-[A-Za-z0-9_-]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script, `the page does not load a built bundle:\n${page.body}`);
    const bundle = await get(h.proxyPort, apps.vite.host, script);
    assert.equal(bundle.status, 200);
    // The JSX was compiled (no JSX left) and React is bundled in.
    assert.match(bundle.body, /Built by Vite, served by Berth/);
    assert.doesNotMatch(bundle.body, /<App \/>/);
    assert.match(bundle.body, /react\.element|createRoot/);
  });

  it('rebuilds the Vite app after a source change with the install step cached', async () => {
    const main = fixtureFiles('vite-react')['src/main.jsx']!.replace('served by Berth', 'served by Berth, again');
    await apps.vite!.repo.commit({ 'src/main.jsx': main }, 'new heading');
    const { log } = await deploy(apps.vite!);
    assert.match(lineAfterStep(log, '"npm","ci"') ?? '', /Using cache/, log.join('\n'));
    const page = await get(h.proxyPort, apps.vite!.host, '/');
    const script = /src="(\/assets\/index-[A-Za-z0-9_-]+\.js)"/.exec(page.body)?.[1];
    assert.ok(script);
    assert.match((await get(h.proxyPort, apps.vite!.host, script)).body, /served by Berth, again/);
  });
});
