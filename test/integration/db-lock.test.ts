/**
 * Another process holds a write lock on Berth's SQLite file for 10 s (as a `berth` CLI command, a backup
 * or an operator's `sqlite3` can): the daemon's thread never waits for it. Proxied requests stay fast, and
 * API calls succeed (reads) or answer 503 "database busy" with Retry-After (writes), never 500.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { dataPaths } from '../../src/data-dir.js';
import {
  apiClient,
  createAdminToken,
  createFixtureService,
  removeProjectDockerObjects,
  type ApiClient,
} from '../helpers/daemon-api.js';
import { freePort, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { fixtureFiles } from '../helpers/deploy-harness.js';
import { TEST_IMAGES } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';

const HOST = 'web-locked.localhost';
const LOCK_MS = 10_000;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A separate node process that takes SQLite's write lock (BEGIN IMMEDIATE) on the file and holds it. */
async function holdWriteLock(file: string, ms: number): Promise<{ child: ChildProcess; released: Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close(); console.log('released'); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code} before locking`)));
  });
  return { child, released };
}

function timedGet(port: number): Promise<{ status: number; ms: number }> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { host: HOST }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - startedAt }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - startedAt }));
    req.end();
  });
}

describe('a write lock held by another process on the data file', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-dblock-'));
  let git: GitServer;
  let repo: TestRepo;
  let daemon: DaemonProcess | undefined;
  let api: ApiClient;
  let token: string;
  let proxyPort: number;

  before(async () => {
    git = await startGitServer();
    repo = await git.createRepo('locked-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    proxyPort = await freePort();
    daemon = await startDaemonProcess({
      dataDir,
      env: {
        BERTH_HTTP_PORT: String(proxyPort),
        BERTH_PROXY_HOST: '127.0.0.1',
        BERTH_ALLOW_PRIVATE_SOURCES: 'true',
        BERTH_BUILDPACK_IMAGE_NODE: TEST_IMAGES.node,
        BERTH_STABILISATION_SECONDS: '1',
      },
    });
    token = await createAdminToken(dataDir);
    api = apiClient(daemon.baseUrl, token);
  });
  after(async () => {
    await daemon?.stop();
    await removeProjectDockerObjects(api?.projectIds ?? []);
    await git?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never stalls the proxy, and the API answers 503 "database busy" or succeeds, never 500', async () => {
    const { serviceId } = await createFixtureService(api.request, { project: 'locked', repoUrl: repo.url });
    const created = await api.request<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal((await api.waitForDeployment(created.body.id)).status, 'active');
    assert.equal((await timedGet(proxyPort)).status, 200);

    // The same load without a lock first: this machine's own noise, to tell it from a stall.
    const baseline: Array<{ status: number; ms: number }> = [];
    const baselineUntil = Date.now() + 5_000;
    const baselineLoop = async () => {
      while (Date.now() < baselineUntil) baseline.push(await timedGet(proxyPort));
    };
    await Promise.all([baselineLoop(), baselineLoop()]);
    const baselineSlowest = Math.max(...baseline.map((p) => p.ms));

    const lock = await holdWriteLock(dataPaths(dataDir).database, LOCK_MS);
    const lockedUntil = Date.now() + LOCK_MS - 500;
    const proxied: Array<{ status: number; ms: number }> = [];
    const apiAnswers: Array<{ call: string; status: number; code?: string; retryAfter: string | null }> = [];
    const proxyLoop = async () => {
      while (Date.now() < lockedUntil) proxied.push(await timedGet(proxyPort));
    };
    const apiLoop = async () => {
      for (let i = 0; Date.now() < lockedUntil; i++) {
        for (const [method, path, body] of [
          ['GET', '/me', undefined],
          ['GET', '/projects', undefined],
          ['POST', '/projects', { name: `locked-${i}` }],
        ] as const) {
          const response = await fetch(`${api.baseUrl}/api/v1${path}`, {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            body: body && JSON.stringify(body),
          });
          const json = (await response.json()) as { id?: string; error?: { code: string } };
          if (method === 'POST' && response.status === 201) api.projectIds.push(json.id!);
          apiAnswers.push({
            call: `${method} ${path}`,
            status: response.status,
            code: json.error?.code,
            retryAfter: response.headers.get('retry-after'),
          });
        }
      }
    };
    await Promise.all([proxyLoop(), proxyLoop(), apiLoop()]);
    await lock.released;

    const slowest = Math.max(...proxied.map((p) => p.ms));
    const sorted = proxied.map((p) => p.ms).sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
    console.log(
      `proxy under a ${LOCK_MS / 1000} s write lock: ${proxied.length} requests, p99 ${p99.toFixed(1)} ms, ` +
        `slowest ${slowest.toFixed(1)} ms (without the lock: ${baseline.length} requests, ` +
        `slowest ${baselineSlowest.toFixed(1)} ms); ` +
        `API: ${JSON.stringify(countBy(apiAnswers))}`,
    );
    assert.ok(proxied.length > 50, `only ${proxied.length} proxied requests in ${LOCK_MS} ms`);
    assert.deepEqual(
      proxied.filter((p) => p.status !== 200),
      [],
      'every proxied request succeeded',
    );
    // Goal: none slower than 100 ms because of the lock (before the fix: every one waited out the lock,
    // 5-10 s). A loaded test machine alone exceeds 100 ms now and then, so: no request near a lock wait,
    // and the 99th percentile within what the same load saw without a lock.
    assert.ok(slowest < 1000, `a proxied request took ${slowest.toFixed(0)} ms while the lock was held`);
    const baselineP99 = baseline.map((p) => p.ms).sort((a, b) => a - b)[Math.floor(baseline.length * 0.99)]!;
    assert.ok(
      p99 <= Math.max(100, 2 * baselineP99),
      `p99 ${p99.toFixed(0)} ms under the lock, ${baselineP99.toFixed(0)} ms without`,
    );
    assert.deepEqual(
      apiAnswers.filter((a) => ![200, 201, 503].includes(a.status)),
      [],
      'API calls succeed or answer 503',
    );
    const busy = apiAnswers.filter((a) => a.status === 503);
    assert.ok(busy.length > 0, 'a write during the lock answers 503');
    for (const answer of busy) {
      assert.equal(answer.code, 'STATE_DB_BUSY');
      assert.equal(answer.retryAfter, '1');
    }
    assert.ok(
      apiAnswers.some((a) => a.call === 'GET /projects' && a.status === 200),
      'reads keep working during the lock',
    );
    // And once the lock is gone, writes work again.
    const after = await api.request('POST', '/projects', { name: 'after-the-lock' });
    assert.equal(after.status, 201, JSON.stringify(after.body));
  });
});

function countBy(answers: Array<{ call: string; status: number }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[`${a.call} ${a.status}`] = (counts[`${a.call} ${a.status}`] ?? 0) + 1;
  return counts;
}
