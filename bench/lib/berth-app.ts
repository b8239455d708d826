/**
 * One deployed app for the deploy benchmarks: a git repo of the Dockerfile fixture on a loopback git
 * server, an in-process Berth daemon (test harness: proxy, API token, cleanup), and a service that
 * builds it with the local node image. Each redeploy is a new commit that changes VERSION, as a push would.
 */
import { fixtureFiles, startHarness, type Harness } from '../../test/helpers/deploy-harness.js';
import { TEST_IMAGES, testDockerEndpoint } from '../../test/helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../../test/helpers/git-server.js';
import { DockerRuntime } from '../../src/runtime/docker.js';

export interface BenchApp {
  harness: Harness;
  /** The Host header the proxy routes to the service. */
  host: string;
  serviceId: string;
  /** Commits VERSION=<version> on the branch the service deploys. */
  commitVersion(version: string): Promise<string>;
  /** POST /services/{id}/deployments; resolves with the new deployment's id. */
  trigger(): Promise<string>;
  /** Resolves once the old containers are drained and removed, so the next run starts from a quiet service. */
  waitSettled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchApp(options: { project: string; firstVersion: string }): Promise<BenchApp> {
  const git: GitServer = await startGitServer();
  let harness: Harness | undefined;
  try {
    const repo: TestRepo = await git.createRepo(`${options.project}-web`, {
      ...fixtureFiles('dockerfile-app'),
      VERSION: `${options.firstVersion}\n`,
    });
    harness = await startHarness();
    const h = harness;
    const project = await h.api<{ id: string }>('POST', '/projects', { name: options.project });
    if (project.status !== 201) throw new Error(`creating the project: ${JSON.stringify(project.body)}`);
    const service = await h.api<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
      name: 'web',
      source: { type: 'git', url: repo.url, branch: 'main' },
      port: 3000,
      healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
      build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
    });
    if (service.status !== 201) throw new Error(`creating the service: ${JSON.stringify(service.body)}`);
    const serviceId = service.body.id;
    const runtime = new DockerRuntime(testDockerEndpoint());

    return {
      harness: h,
      host: `web-${options.project}.localhost`,
      serviceId,
      commitVersion: (version) => repo.commit({ VERSION: `${version}\n` }, `release ${version}`),
      async trigger() {
        const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
        if (created.status !== 201) throw new Error(`triggering a deployment: ${JSON.stringify(created.body)}`);
        return created.body.id;
      },
      async waitSettled(timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        while ((await runtime.listContainers({ 'berth.service': serviceId })).length > 1) {
          if (Date.now() > deadline) throw new Error(`old containers still there after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      async close() {
        await h.close();
        await git.close();
      },
    };
  } catch (error) {
    await harness?.close();
    await git.close();
    throw error;
  }
}
