/**
 * Server time of the panel's project and service pages with 50 services in one project (issue 13's
 * budget: p95 under 50 ms). The real app on a real SQLite file, in process (app.inject: no network, so the
 * time is the server's own): one project, 50 git services created through the API (not deployed), each with
 * 5 variables and 10 finished deployments as rows, plus a database row. Each page is requested N times after
 * a warm-up, signed in; then the same page together with every fragment it loads with hx-trigger="load"
 * (as htmx would, one after another), since that is what a person waits for.
 * Run: npm run bench:panel [-- --requests 200]
 */
import { cpus, loadavg } from 'node:os';
import { insertDeployment, updateDeployment } from '../src/deploys/deployments.repository.js';
import { newId } from '../src/lib/ids.js';
import { seedAdmin, signedInClient, tokenFor } from '../test/helpers/accounts.js';
import { createTestApp } from '../test/helpers/http-app.js';
import type { InjectClient } from '../test/helpers/inject-client.js';
import { formatMs, markdownTable, sortedPercentile } from './lib/stats.js';

const SERVICES = 50;
const DEPLOYMENTS_PER_SERVICE = 10;
const requestsArg = process.argv.indexOf('--requests');
const REQUESTS = Math.min(2000, Math.max(10, requestsArg > 0 ? Number(process.argv[requestsArg + 1]) : 200));
const WARM_UP = 20;
const BUDGET_P95_MS = 50;

/** The URLs a page loads by itself once shown (hx-get with hx-trigger="load"). */
function loadFragments(html: string): string[] {
  const urls: string[] = [];
  for (const tag of html.match(/<[a-z]+ [^>]*hx-trigger="load"[^>]*>/g) ?? []) {
    const url = /hx-get="([^"]+)"/.exec(tag)?.[1];
    if (url) urls.push(url.replace(/&amp;/g, '&'));
  }
  return urls;
}

/** Wall time of one request, and the CPU time this process spent on it (less sensitive to a busy machine). */
async function timed(
  panel: InjectClient,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const response = await panel.get(url, headers);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 300)}`);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

async function measure(panel: InjectClient, url: string) {
  const fragments = loadFragments((await panel.get(url)).body);
  const page: number[] = [];
  const pageCpu: number[] = [];
  const withFragments: number[] = [];
  const withFragmentsCpu: number[] = [];
  for (let i = 0; i < WARM_UP + REQUESTS; i++) {
    const first = await timed(panel, url);
    let total = first.ms;
    let totalCpu = first.cpuMs;
    for (const fragment of fragments) {
      const one = await timed(panel, fragment, { 'hx-request': 'true' });
      total += one.ms;
      totalCpu += one.cpuMs;
    }
    if (i < WARM_UP) continue;
    page.push(first.ms);
    pageCpu.push(first.cpuMs);
    withFragments.push(total);
    withFragmentsCpu.push(totalCpu);
  }
  return { fragments: fragments.length, page, pageCpu, withFragments, withFragmentsCpu };
}

async function main(): Promise<void> {
  const t = await createTestApp({ env: { BERTH_APPS_DOMAIN: 'apps.example.com' }, withHttps: true });
  try {
    const admin = await seedAdmin(t.db);
    const headers = { authorization: `Bearer ${await tokenFor(t.db, admin.id)}` };
    const api = async (method: 'POST' | 'PUT', url: string, payload: object) => {
      const response = await t.app.inject({ method, url, headers, payload });
      if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    };
    const project = await api('POST', '/api/v1/projects', { name: 'big' });
    const serviceIds: string[] = [];
    const seedStarted = Date.now();
    for (let i = 1; i <= SERVICES; i++) {
      const service = await api('POST', `/api/v1/projects/${project.id}/services`, {
        name: `svc-${String(i).padStart(2, '0')}`,
        source: { type: 'git', url: `https://1.1.1.1/acme/app-${i}.git`, branch: 'main' },
      });
      serviceIds.push(service.id);
      await api('PUT', `/api/v1/services/${service.id}/variables`, {
        A: '1',
        B: '2',
        C: '3',
        D: '4',
        // A reference to another service (the first one has none to refer to yet).
        ...(i > 1 ? { E: '${{svc-01.A}}' } : {}),
      });
      for (let d = 0; d < DEPLOYMENTS_PER_SERVICE; d++) {
        const row = await insertDeployment(t.db, {
          id: newId('dep'),
          service_id: service.id,
          trigger: 'manual',
          triggered_by: 'bench@example.com',
          image: null,
          rollback_of: null,
          commit_sha: 'c'.repeat(40),
          commit_message: `release ${d}`,
        });
        await updateDeployment(t.db, row.id, {
          status: d % 3 === 0 ? 'failed' : 'replaced',
          finishedAt: new Date().toISOString(),
        });
      }
    }
    const seedMs = Date.now() - seedStarted;
    const panel = await signedInClient(t.app);
    const pages = [
      { name: 'project page (50 services)', url: `/projects/${project.id}` },
      { name: 'service page', url: `/services/${serviceIds[24]}` },
    ];
    const rows: string[][] = [];
    let isOver = false;
    for (const page of pages) {
      const result = await measure(panel, page.url);
      for (const [label, values, cpu] of [
        ['alone', result.page, result.pageCpu],
        [`+ ${result.fragments} load fragments`, result.withFragments, result.withFragmentsCpu],
      ] as const) {
        const sorted = Float64Array.from(values).sort();
        const sortedCpu = Float64Array.from(cpu).sort();
        const p95 = sortedPercentile(sorted, 95);
        if (label === 'alone' && p95 >= BUDGET_P95_MS) isOver = true;
        rows.push([
          `${page.name} ${label}`,
          String(values.length),
          formatMs(sortedPercentile(sorted, 50)),
          formatMs(p95),
          formatMs(sortedPercentile(sorted, 99)),
          `${formatMs(sortedPercentile(sortedCpu, 50))} / ${formatMs(sortedPercentile(sortedCpu, 95))}`,
          label === 'alone' ? (p95 < BUDGET_P95_MS ? 'within' : 'OVER') : '–',
        ]);
      }
    }
    console.log(
      `\nPanel page server time, in process (app.inject), ${SERVICES} services × ${DEPLOYMENTS_PER_SERVICE} deployments, ` +
        `${REQUESTS} requests each after ${WARM_UP} warm-up (seeded in ${(seedMs / 1000).toFixed(1)} s), Node ${process.version}, ` +
        `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end (wall times grow with it; CPU times less)\n`,
    );
    console.log(
      markdownTable(
        ['page', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'CPU p50 / p95 ms', `budget p95 < ${BUDGET_P95_MS} ms`],
        rows,
      ),
    );
    if (isOver) process.exitCode = 1;
  } finally {
    await t.close();
  }
}

await main();
