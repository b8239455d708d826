/**
 * Resource metrics against real parts: a real container under a bounded load (a fifth of a core by CFS quota;
 * 64 MiB held) read through the runtime and compared with `docker stats`, the sampler storing it in a real
 * SQLite file, the API, panel and CSV reading it back, and a real Prometheus scraping /metrics.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { cpuPercent } from '../../src/metrics/cpu.js';
import { downsample } from '../../src/metrics/downsampler.js';
import { signedInClient, seedAdmin, tokenFor } from '../helpers/accounts.js';
import { freePort } from '../helpers/daemon-process.js';
import { cleanupTestContainers, TEST_IMAGES, testLabels, testName } from '../helpers/docker-test-env.js';
import { createTestApp, type TestApp } from '../helpers/http-app.js';
import { seedProject } from '../helpers/metrics-fixtures.js';

const HELD_BYTES = 64 * 1024 * 1024;
// Busy for at most 90 s (bounded even if the test dies), holding 64 MiB it has written to.
const BURNER = `const b = Buffer.alloc(${HELD_BYTES}, 1); const end = Date.now() + 90000; while (Date.now() < end) { b[0]++; }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Readings printed before Berth's first one (the CLI's first ones have no previous reading: 0 %). */
const STREAM_SKIP = 4;
/** Readings over the compared interval: 40 refreshes, about 20 s (so the up-to-1-s edges weigh little). */
const STREAM_READINGS = 40;
/** The absolute tolerance for near-idle numbers, in percentage points of one core. */
const CPU_FLOOR_POINTS = 0.5;

interface DockerReading {
  cpuPercent: number;
  memoryBytes: number;
}

/** One row of `docker stats --format '{{json .}}'`, parsed: CPU % and memory in bytes. */
function parseDockerStats(json: string): DockerReading {
  const row = JSON.parse(json) as { CPUPerc: string; MemUsage: string };
  const [, amount, unit] = /^([\d.]+)([KMG]i?B|B)/.exec(row.MemUsage)!;
  const factor: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1e3, MB: 1e6, GB: 1e9 };
  return { cpuPercent: Number.parseFloat(row.CPUPerc), memoryBytes: Number(amount) * factor[unit!]! };
}

/**
 * `docker stats` streaming, as a person watching it sees it: the CLI refreshes every 0.5 s, showing the CPU
 * over the engine's last second. next() resolves with the next reading printed; stop() ends the CLI (by PID).
 */
function streamDockerStats(id: string): { next(): Promise<DockerReading>; stop(): void } {
  const child = spawn('docker', ['stats', '--format', '{{json .}}', id], { stdio: ['ignore', 'pipe', 'ignore'] });
  const ready: DockerReading[] = [];
  const waiting: Array<(reading: DockerReading) => void> = [];
  let rest = '';
  let lastAt = 0;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const json = /\{.*\}/.exec(line)?.[0];
      // The CLI writes each refresh twice in a row (cursor home, then the table again): one reading per refresh.
      if (json === undefined || performance.now() - lastAt < 150) continue;
      lastAt = performance.now();
      const reading = parseDockerStats(json);
      const waiter = waiting.shift();
      if (waiter) waiter(reading);
      else ready.push(reading);
    }
  });
  // Bounded even if the test dies between start and stop.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return {
    next: () =>
      ready.length > 0
        ? Promise.resolve(ready.shift()!)
        : new Promise<DockerReading>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('docker stats printed nothing for 10 s')), 10_000);
            waiting.push((reading) => {
              clearTimeout(timer);
              resolve(reading);
            });
          }),
    stop: () => {
      clearTimeout(guard);
      child.kill('SIGKILL');
    },
  };
}

function within(actual: number, expected: number, fraction: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * fraction,
    `${what}: ${actual} vs docker stats ${expected}`,
  );
}

describe('resource metrics from a real container', () => {
  let t: TestApp;
  let token: string;
  let containerId: string;
  let prometheus: ChildProcess | undefined;
  let promDir: string | undefined;

  before(async () => {
    t = await createTestApp();
    const admin = await seedAdmin(t.db);
    token = await tokenFor(t.db, admin.id);
    await seedProject(t.db, 'prj_m', 'shop', [{ id: 'svc_burn', name: 'burner' }]);
    containerId = await t.runtime.createContainer({
      name: testName('metrics-burner'),
      image: TEST_IMAGES.node,
      cmd: ['node', '-e', BURNER],
      labels: testLabels({ 'berth.managed': 'true', 'berth.project': 'prj_m', 'berth.service': 'svc_burn' }),
      nanoCpus: 0.2e9,
    });
    await t.runtime.startContainer(containerId);
    await sleep(1500);
  });

  after(async () => {
    if (prometheus?.pid) process.kill(prometheus.pid, 'SIGTERM');
    await cleanupTestContainers();
    await t.close();
    if (promDir) rmSync(promDir, { recursive: true, force: true });
  });

  it('CPU % and memory agree with docker stats within 5 % over the same interval', async (test) => {
    // Fair comparison: docker's per-second readings and Berth's two readings span the same seconds. Berth
    // reads the counters right after the CLI printed its STREAM_SKIP-th reading and again right after the
    // last one; docker's CPU over that interval is the mean of the readings printed in between (each covers
    // the second before it; the CLI prints every 0.5 s, so each engine reading counts about twice).
    const stream = streamDockerStats(containerId);
    let first, second;
    const readings: Array<{ cpuPercent: number; memoryBytes: number }> = [];
    try {
      for (let i = 0; i < STREAM_SKIP; i++) await stream.next();
      first = await t.runtime.containerStats(containerId);
      // A refresh shows the engine's latest reading, up to 0.5 s old, of the second before it: what the CLI
      // shows lags the moment it shows it by about 0.75 s. So docker's side of the interval is taken one
      // refresh later at both ends (readings 2 … N+1 after Berth's first), lagging by 0.25 s instead.
      await stream.next();
      for (let i = 0; i < STREAM_READINGS - 1; i++) readings.push(await stream.next());
      second = await t.runtime.containerStats(containerId);
      readings.push(await stream.next());
    } finally {
      stream.stop();
    }
    assert.ok(first && second);
    const dockerCpu = readings.reduce((sum, r) => sum + r.cpuPercent, 0) / readings.length;
    const ours = cpuPercent(first, second)!;
    // The burner is capped at a fifth of a core (20 %); on a busy machine it may get less, but it is busy.
    assert.ok(dockerCpu > 2, `the container is under load: docker says ${dockerCpu} %`);
    // Within 5 % of docker's figure, or CPU_FLOOR_POINTS percentage points for near-idle numbers (where
    // 5 % of a tiny value is below the two decimals docker prints).
    const allowed = Math.max(0.05 * dockerCpu, CPU_FLOOR_POINTS);
    test.diagnostic(
      `CPU %: Berth ${ours.toFixed(2)}, docker stats ${dockerCpu.toFixed(2)} (mean of ${readings.length})`,
    );
    assert.ok(
      Math.abs(ours - dockerCpu) <= allowed,
      `CPU %: Berth ${ours.toFixed(2)} vs docker stats ${dockerCpu.toFixed(2)} (allowed ±${allowed.toFixed(2)}; ` +
        `docker's readings: ${readings.map((r) => r.cpuPercent).join(', ')})`,
    );
    within(second.memoryBytes, readings.at(-1)!.memoryBytes, 0.05, 'memory');
    assert.ok(second.memoryBytes >= HELD_BYTES, `the 64 MiB the container holds are counted: ${second.memoryBytes}`);
    assert.ok(second.memoryLimitBytes > 0);
    assert.equal(await t.runtime.containerStats('no-such-container-here'), undefined);
  });

  it('the sampler stores what the service used; the API, panel and usage read it back', async () => {
    await t.metrics.sampler.tick();
    await sleep(2000);
    await t.metrics.sampler.tick();
    const live = t.metrics.sampler.containers().find((c) => c.containerId === containerId)!;
    assert.ok(live.cpuPercent !== null && live.cpuPercent > 0, 'the live reading has a CPU %');

    const auth = { authorization: `Bearer ${token}` };
    const series = await t.app.inject({
      method: 'GET',
      url: '/api/v1/services/svc_burn/metrics?range=1h',
      headers: auth,
    });
    assert.equal(series.statusCode, 200, series.body);
    const body = series.json<{ step: number; points: Array<{ cpuPercent: number; memoryBytes: number }> }>();
    assert.equal(body.step, 10);
    const last = body.points.at(-1)!;
    // Stored as CPU ms over the readings' span; the live value is docker's formula over the same two
    // readings (host CPU time as the denominator instead of wall time): the two agree.
    within(last.cpuPercent, live.cpuPercent!, 0.05, 'stored vs live CPU %');
    within(last.memoryBytes, live.stats.memoryBytes, 0.05, 'stored vs live memory');
    assert.ok(last.memoryBytes >= HELD_BYTES, `memory ${last.memoryBytes}`);

    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/services/svc_burn/metrics?range=2y', headers: auth });
    assert.equal(bad.statusCode, 400);
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/services/svc_none/metrics', headers: auth });
    assert.equal(none.statusCode, 404);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/services/svc_burn/metrics' });
    assert.equal(anonymous.statusCode, 401);

    // Usage is read from the 1-h roll-up, which the job refreshes every minute: run it as the scheduler would.
    await downsample(t.metrics.repository, Date.now());
    const month = new Date().toISOString().slice(0, 7);
    const usage = await t.app.inject({
      method: 'GET',
      url: `/api/v1/projects/prj_m/usage?month=${month}`,
      headers: auth,
    });
    assert.equal(usage.statusCode, 200, usage.body);
    const line = usage.json<{ lines: Array<{ serviceName: string; cpuHours: number; memoryGbHours: number }> }>()
      .lines[0]!;
    assert.equal(line.serviceName, 'burner');
    assert.ok(line.cpuHours > 0 && line.memoryGbHours > 0, JSON.stringify(line));
    const csv = await t.app.inject({
      method: 'GET',
      url: `/api/v1/projects/prj_m/usage.csv?month=${month}`,
      headers: auth,
    });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="usage-shop-\d{4}-\d{2}\.csv"/);
    const row = csv.body.split('\r\n').find((l) => l.includes(',svc_burn,'))!;
    assert.match(row, new RegExp(`^${month},svc_burn,burner,app,(\\d+\\.\\d{4}),`));
    assert.ok(Number(row.split(',')[4]) > 0);

    const panel = await signedInClient(t.app);
    const page = await panel.get('/services/svc_burn/metrics?range=1h', { 'hx-request': 'true' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<section class="card" id="metrics">/);
    assert.match(page.body, /<figure class="metric-chart" id="chart-cpu">[\s\S]*<svg [^>]*>[\s\S]*<path d="M/);
    const server = await panel.get('/server/metrics?range=24h');
    assert.equal(server.statusCode, 200);
    assert.match(server.body, /id="chart-disk"/);
  });

  it('counts the restarts of a crash-looping container', async () => {
    await seedProject(t.db, 'prj_c', 'crashy', [{ id: 'svc_crash', name: 'crasher' }]);
    const id = await t.runtime.createContainer({
      name: testName('metrics-crasher'),
      image: TEST_IMAGES.busybox,
      cmd: ['sh', '-c', 'sleep 0.3; exit 3'],
      labels: testLabels({ 'berth.managed': 'true', 'berth.project': 'prj_c', 'berth.service': 'svc_crash' }),
      restartPolicy: 'on-failure',
    });
    await t.runtime.startContainer(id);
    await t.metrics.sampler.tick();
    const deadline = Date.now() + 20_000;
    let restarts = 0;
    while (Date.now() < deadline && restarts < 2) {
      await sleep(1000);
      // Restart counts are refreshed every sixth tick (once a minute at 10 s).
      for (let i = 0; i < 6; i++) await t.metrics.sampler.tick();
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/services/svc_crash/metrics?range=1h',
        headers: { authorization: `Bearer ${token}` },
      });
      restarts = res.json<{ points: Array<{ restarts: number }> }>().points.reduce((sum, p) => sum + p.restarts, 0);
    }
    const engine = await t.runtime.inspectContainer(id);
    assert.ok(restarts >= 2, `restarts counted: ${restarts}`);
    assert.ok(
      restarts <= engine!.restartCount,
      `never more than the engine saw: ${restarts} vs ${engine!.restartCount}`,
    );
  });

  it('a real Prometheus scrapes /metrics with a bearer token and answers queries for the service', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const berthPort = (t.app.server.address() as AddressInfo).port;
    const unauthenticated = await fetch(`http://127.0.0.1:${berthPort}/metrics`);
    assert.equal(unauthenticated.status, 401);

    promDir = mkdtempSync(join(tmpdir(), 'berth-prometheus-'));
    const promPort = await freePort();
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: berth',
        '    metrics_path: /metrics',
        `    authorization: { type: Bearer, credentials: "${token}" }`,
        `    static_configs: [{ targets: ["127.0.0.1:${berthPort}"] }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      return (await res.json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
    };
    const deadline = Date.now() + 30_000;
    let result: Awaited<ReturnType<typeof query>>['data']['result'] = [];
    while (Date.now() < deadline) {
      try {
        result = (await query('berth_container_memory_bytes{service_id="svc_burn"}')).data.result;
      } catch {
        // Prometheus is still starting.
      }
      if (result.length > 0) break;
      await sleep(500);
    }
    assert.equal(result.length, 1, 'Prometheus has the series from its scrape');
    assert.equal(result[0]!.metric.project, 'shop');
    assert.equal(result[0]!.metric.service, 'burner');
    assert.equal(result[0]!.metric.job, 'berth');
    assert.ok(Number(result[0]!.value[1]) >= HELD_BYTES);
    const up = (await query('up{job="berth"}')).data.result;
    assert.equal(up[0]!.value[1], '1', 'the scrape succeeded (token accepted)');
    const cpu = (await query('berth_container_cpu_seconds_total{service="burner"}')).data.result;
    assert.ok(Number(cpu[0]!.value[1]) > 1, 'cumulative CPU seconds of the burner');
  });
});
