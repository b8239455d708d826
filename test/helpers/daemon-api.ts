/**
 * Talking to a Berth daemon (in-process or a real child process) over its JSON API from tests: an admin
 * API token written straight into the data dir's database, a small client that survives daemon restarts
 * (its base URL can change), waits on deployment states, and Docker cleanup by the `berth.project` label.
 *
 *   const token = await createAdminToken(dataDir);          // after the daemon migrated the database
 *   const api = apiClient(daemon.baseUrl, token);
 *   const project = await api.request<{ id: string }>('POST', '/projects', { name: 'shop' });
 *   await api.waitForDeployment(id, (d) => d.status === 'building');
 *   await waitForDeployment(harness.api, id);                 // the same waits over any RequestFn
 *   await removeProjectDockerObjects(api.projectIds);        // in after(), also when a test failed
 */
import assert from 'node:assert/strict';
import { createApiToken } from '../../src/auth/api-tokens.service.js';
import { createAdmin } from '../../src/auth/users.service.js';
import { openDatabase } from '../../src/db/connection.js';
import { dataPaths } from '../../src/data-dir.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import type { ContainerDetails, ContainerSummary } from '../../src/runtime/runtime.js';
import { TEST_IMAGES, testDockerEndpoint } from './docker-test-env.js';

export const TERMINAL_STATUSES = ['active', 'failed', 'cancelled', 'interrupted', 'superseded', 'replaced'];

export type DeploymentBody = Record<string, unknown> & { id: string; status: string; error: string | null };

/** Creates an admin and an API token in the daemon's database (the daemon must have migrated it). */
export async function createAdminToken(dataDir: string, email = 'tester@example.com'): Promise<string> {
  const handle = openDatabase(dataPaths(dataDir).database);
  try {
    const admin = await createAdmin(handle.db, { email, password: 'a-long-test-password' });
    return (await createApiToken(handle.db, admin.id, 'tests')).token;
  } finally {
    await handle.close();
  }
}

export interface ApiClient {
  /** The panel base URL, e.g. http://127.0.0.1:3456; change it after restarting the daemon on another port. */
  baseUrl: string;
  /** Ids of the projects created through this client (for cleanup). */
  readonly projectIds: string[];
  request: RequestFn;
  /** Polls a deployment until `until` holds (default: a terminal status). */
  waitForDeployment(id: string, until?: (d: DeploymentBody) => boolean, timeoutMs?: number): Promise<DeploymentBody>;
  /** Polls the deployment log until a line matches. */
  waitForLogLine(id: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Any `(method, path, body?)` JSON API caller: an ApiClient's `request`, or the deploy harness's `api`. */
export type RequestFn = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/** Polls a deployment until `until` holds (default: a terminal status). */
export async function waitForDeployment(
  request: RequestFn,
  id: string,
  until: (d: DeploymentBody) => boolean = (d) => TERMINAL_STATUSES.includes(d.status),
  timeoutMs = 120_000,
): Promise<DeploymentBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await request<DeploymentBody>('GET', `/deployments/${id}`);
    if (status !== 200) throw new Error(`GET /deployments/${id} answered ${status}: ${JSON.stringify(body)}`);
    if (until(body)) return body;
    if (Date.now() > deadline) throw new Error(`deployment ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls the deployment log until a line matches; returns that line. */
export async function waitForLogLine(request: RequestFn, id: string, pattern: RegExp, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await request<{ lines?: string[] }>('GET', `/deployments/${id}/logs`);
    const line = body.lines?.find((l) => pattern.test(l));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line of ${id} matched ${pattern}:\n${body.lines?.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function apiClient(baseUrl: string, token: string): ApiClient {
  const client: ApiClient = {
    baseUrl,
    projectIds: [],
    async request<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${client.baseUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await response.json()) as T;
      if (method === 'POST' && path === '/projects' && response.status === 201)
        client.projectIds.push((json as { id: string }).id);
      return { status: response.status, body: json };
    },
    waitForDeployment: (id, until, timeoutMs) => waitForDeployment(client.request, id, until, timeoutMs),
    waitForLogLine: (id, pattern, timeoutMs) => waitForLogLine(client.request, id, pattern, timeoutMs),
  };
  return client;
}

function testRuntime(): DockerRuntime {
  return new DockerRuntime(testDockerEndpoint());
}

/** Containers (running or not) carrying all the given labels. */
export function containersWithLabels(labels: Record<string, string>): Promise<ContainerSummary[]> {
  return testRuntime().listContainers(labels);
}

export function inspectContainer(id: string): Promise<ContainerDetails | undefined> {
  return testRuntime().inspectContainer(id);
}

export function hasImage(ref: string): Promise<boolean> {
  return testRuntime().hasImage(ref);
}

/** Removes one image this run's daemon made (as image retention would). */
export function removeImage(ref: string): Promise<void> {
  return testRuntime().removeImage(ref);
}

/** Removes every container, image and network Berth made for these projects. Never throws. */
export async function removeProjectDockerObjects(projectIds: readonly string[]): Promise<void> {
  const runtime = testRuntime();
  for (const projectId of projectIds) {
    await runtime.removeContainersByLabel({ 'berth.project': projectId }).catch(() => 0);
    const images = await runtime.listImages({ 'berth.project': projectId }).catch(() => []);
    for (const image of images) {
      for (const tag of image.tags) await runtime.removeImage(tag).catch(() => {});
    }
    await runtime.removeNetwork(`berth-${projectId}`).catch(() => {});
  }
}

/**
 * Creates a project and a git service that builds the dockerfile-app fixture on the local Node image,
 * with its /healthz health check. Fails the test on anything but 201.
 */
export async function createFixtureService(
  request: RequestFn,
  options: { project: string; service?: string } & ({ repoUrl: string } | { push: true }),
): Promise<{ projectId: string; serviceId: string }> {
  const project = await request<{ id: string }>('POST', '/projects', { name: options.project });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const service = await request<{ id: string }>('POST', `/projects/${project.body.id}/services`, {
    name: options.service ?? 'web',
    source:
      'repoUrl' in options ? { type: 'git', url: options.repoUrl, branch: 'main' } : { type: 'push', branch: 'main' },
    port: 3000,
    healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
    build: { buildArgs: { BASE_IMAGE: TEST_IMAGES.node } },
  });
  assert.equal(service.status, 201, JSON.stringify(service.body));
  return { projectId: project.body.id, serviceId: service.body.id };
}
