/**
 * One in-process Berth daemon per test file, with its proxy on a free loopback port, an admin API token,
 * and cleanup of every Docker object Berth made for the projects the test created.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiToken } from '../../src/auth/api-tokens.service.js';
import { createAdmin } from '../../src/auth/users.service.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connection.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/main.js';
import { createLogger } from '../../src/logger.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { freePort } from './daemon-process.js';
import { TEST_IMAGES, testDockerEndpoint } from './docker-test-env.js';

const ADMIN = { email: 'deployer@example.com', password: 'deploy-test-password' };
const TERMINAL = ['active', 'failed', 'cancelled', 'interrupted', 'superseded', 'replaced'];

/** The files of a fixture app as a map, for a git repo. */
export function fixtureFiles(name: string): Record<string, string> {
  const root = fileURLToPath(new URL(`../fixtures/apps/${name}/`, import.meta.url));
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return files;
}

export interface Harness {
  daemon: Daemon;
  dataDir: string;
  /** The panel, e.g. http://127.0.0.1:41234 */
  panelUrl: string;
  admin: { email: string; password: string };
  proxyPort: number;
  /** The admin API token (for requests api() cannot make, e.g. downloads). */
  token: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  waitForDeployment(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  projectIds: string[];
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, options: DaemonOptions = {}): Promise<Harness> {
  // A given BERTH_DATA_DIR is used as it is (e.g. one `berth restore` filled); its admin is reused.
  const dataDir = env.BERTH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'berth-deploy-'));
  const panelPort = await freePort();
  const proxyPort = await freePort();
  const config = loadConfig({
    BERTH_DATA_DIR: dataDir,
    BERTH_PANEL_PORT: String(panelPort),
    BERTH_PANEL_HOST: '127.0.0.1',
    BERTH_HTTP_PORT: String(proxyPort),
    BERTH_PROXY_HOST: '127.0.0.1',
    BERTH_HTTPS_PORT: String(await freePort()),
    BERTH_ALLOW_PRIVATE_SOURCES: 'true',
    BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
    BERTH_BUILDPACK_IMAGE_STATIC: TEST_IMAGES.node,
    BERTH_STABILISATION_SECONDS: '3',
    BERTH_DRAIN_TIMEOUT_SECONDS: '15',
    BERTH_LOG_LEVEL: 'warn',
    BERTH_SSH_PORT: String(await freePort()),
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...env,
  });
  const daemon = await startDaemon(config, createLogger(config.logLevel), options);
  let token: string;
  try {
    const handle = openDatabase(join(dataDir, 'berth.db'));
    try {
      const existing = await handle.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', ADMIN.email)
        .executeTakeFirst();
      const admin = existing ?? (await createAdmin(handle.db, ADMIN));
      const name = existing ? `deploy-tests-${Date.now()}` : 'deploy-tests';
      ({ token } = await createApiToken(handle.db, admin.id, name));
    } finally {
      await handle.close();
    }
  } catch (error) {
    // A daemon left running would keep the test file from ever ending.
    await daemon.close();
    throw error;
  }
  const projectIds: string[] = [];

  const api: Harness['api'] = async (method, path, body) => {
    const response = await fetch(`http://127.0.0.1:${panelPort}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (response.status === 204 ? null : await response.json()) as never;
    if (method === 'POST' && path === '/projects' && response.status === 201)
      projectIds.push((json as { id: string }).id);
    return { status: response.status, body: json };
  };

  return {
    daemon,
    dataDir,
    panelUrl: `http://127.0.0.1:${panelPort}`,
    admin: ADMIN,
    proxyPort: config.httpPort,
    token,
    api,
    projectIds,
    async waitForDeployment(id, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await api<Record<string, unknown>>('GET', `/deployments/${id}`);
        if (TERMINAL.includes(body.status as string)) return body;
        if (Date.now() > deadline)
          throw new Error(`deployment ${id} still ${String(body.status)} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async close() {
      await daemon.close();
      const runtime = new DockerRuntime(testDockerEndpoint());
      for (const projectId of projectIds) {
        await runtime.removeContainersByLabel({ 'berth.project': projectId });
        for (const image of await runtime.listImages({ 'berth.project': projectId })) {
          for (const tag of image.tags) await runtime.removeImage(tag).catch(() => {});
        }
        await runtime.removeNetwork(`berth-${projectId}`).catch(() => {});
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
