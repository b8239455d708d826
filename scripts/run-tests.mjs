// Runs the whole suite with node:test. Each test file reuses one daemon and labels what it creates, so files
// share no state and run side by side: one pool of LANES slots takes every unit, http, integration and e2e file,
// the longest expected first (test/durations.json, measured), so the long integration files start at once and
// the short ones fill the gaps. Two limits: at most one e2e file at a time (they share one browser install), and
// the integration files in ALONE, which measure CPU or timing or build heavy images, run one at a time after the
// pool has drained, with nothing else running. The Kubernetes files (integration/kubernetes-*) share the one
// cluster of the machine: they take one slot of the pool together and run there back to back under the cluster
// lock, most of them on a single cluster start (scripts/run-tests-cluster.mjs). Each file's output is printed
// whole when it ends; failures are listed again at the very end, with the ten slowest files per group and where
// the wall time went (each phase, and the file that ended it).
//
//   node scripts/run-tests.mjs [group...] [filter...]   groups: unit http integration e2e (default: all);
//                                              a filter keeps the files whose path contains it
//   BERTH_TEST_LANES=N                         files at a time in the pool (default 3 on 2+ cores)
//   BERTH_TEST_CLUSTER_ALONE=1                 run the Kubernetes files after the pool, with nothing else running
//   --write-durations                          store this run's per-file times in test/durations.json
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Buffer } from 'node:buffer';
import { clearTimeout, setTimeout } from 'node:timers';
import { isClusterFile, runClusterFiles, stopClusterNow } from './run-tests-cluster.mjs';

const GROUPS = ['unit', 'http', 'integration', 'e2e'];
// Files whose assertions depend on a quiet machine (CPU shares, latency, request gaps), that build images, or
// that change the host. (The Kubernetes files are not listed: they run together, see above.)
const ALONE = new Set([
  'alerts-cpu.test.ts',
  'metrics.test.ts',
  'db-lock.test.ts',
  'proxy-robustness.test.ts',
  'daemon-restart.test.ts',
  'proxy-process.test.ts',
  'daemon-process.test.ts',
  'daemon-first-run.test.ts',
  'installer.test.ts',
  'daemon-container.test.ts',
  'berth-image-registry.test.ts',
]);
// A file that runs longer than this is killed and counted as failed (a hang must not eat CI's 90 minutes).
const FILE_LIMIT_MS = 20 * 60_000;
// Expected seconds for a file test/durations.json does not know yet.
const DEFAULT_SECONDS = { unit: 2, http: 10, integration: 60, e2e: 60 };

const args = process.argv.slice(2);
const writeDurations = args.includes('--write-durations');
const only = args.filter((a) => GROUPS.includes(a));
const filters = args.filter((a) => !a.startsWith('--') && !GROUPS.includes(a));
const clusterAlone = process.env.BERTH_TEST_CLUSTER_ALONE === '1';
const runId = process.env.BERTH_TEST_RUN_ID || `run${randomBytes(4).toString('hex')}`;
const lanes = Number(process.env.BERTH_TEST_LANES) || (availableParallelism() >= 2 ? 3 : 1);
const known = existsSync('test/durations.json') ? JSON.parse(readFileSync('test/durations.json', 'utf8')) : {};
mkdirSync('test-artifacts', { recursive: true });

const files = GROUPS.filter((g) => only.length === 0 || only.includes(g)).flatMap((group) => {
  const dir = `test/${group}`;
  if (!existsSync(dir)) return [];
  // Node 20's --test does not expand globs itself, so the files are listed here.
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => {
      const path = `${dir}/${f}`;
      const name = f.split('/').pop();
      return {
        path,
        group,
        alone: group === 'integration' && ALONE.has(name),
        cluster: group === 'integration' && isClusterFile(name),
        expected: known[path] ?? DEFAULT_SECONDS[group],
      };
    })
    .filter((file) => filters.length === 0 || filters.some((filter) => file.path.includes(filter)));
});

const results = [];
const running = new Set();
const started = Date.now();
const clock = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)}s`;

const children = new Set();
// Each file runs in its own process group (so a hang can be killed whole); take them down with the runner.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const pid of children) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    stopClusterNow();
    process.exit(130);
  });

/** Runs one file in its own node --test process; resolves with its result once it has ended. */
function runFile(file, extraEnv = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    process.stdout.write(`${clock()} ▶ ${file.path}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...extraEnv, BERTH_TEST_RUN_ID: runId },
      detached: true,
    });
    children.add(child.pid);
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    const killer = setTimeout(() => {
      chunks.push(Buffer.from(`\n[run-tests] killed after ${FILE_LIMIT_MS / 60_000} min\n`));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, FILE_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      children.delete(child.pid);
      const seconds = (Date.now() - t0) / 1000;
      const ok = code === 0 && !signal;
      const output = Buffer.concat(chunks).toString('utf8');
      process.stdout.write(
        `\n──── ${file.path}: ${ok ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)}s ────\n${output}\n`,
      );
      process.stdout.write(`${clock()} ${ok ? '✔' : '✖'} ${file.path} (${seconds.toFixed(1)}s)\n`);
      resolve({ ...file, ok, seconds, output, start: (t0 - started) / 1000, end: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * The pool: longest expected first; a free slot takes the first task its limits allow. A task is one file, or
 * the Kubernetes files together (one task: they run one after the other).
 */
async function runPool(queue, width) {
  queue.sort((a, b) => b.expected - a.expected);
  await new Promise((done) => {
    const next = () => {
      if (queue.length === 0 && running.size === 0) return done();
      while (running.size < width) {
        const e2eBusy = [...running].some((f) => f.group === 'e2e');
        const index = queue.findIndex((f) => f.group !== 'e2e' || !e2eBusy);
        if (index < 0) break;
        const [task] = queue.splice(index, 1);
        running.add(task);
        const run = task.files ? runClusterFiles(task.files, runFile, { runId, log }) : runFile(task).then((r) => [r]);
        run
          .catch((error) => [{ ...task, ok: false, seconds: 0, output: `[run-tests] ${error?.stack ?? error}` }])
          .then((ended) => {
            running.delete(task);
            results.push(...ended);
            next();
          });
      }
    };
    next();
  });
}

function log(line) {
  process.stdout.write(`${clock()} [run-tests] ${line}\n`);
}

const clusterFiles = files.filter((f) => f.cluster);
const clusterTask =
  clusterFiles.length === 0
    ? []
    : [
        {
          path: 'the Kubernetes files',
          group: 'integration',
          files: clusterFiles,
          expected: clusterFiles.reduce((sum, f) => sum + f.expected, 0),
        },
      ];
const pooled = files.filter((f) => !f.alone && !f.cluster);
const alone = files.filter((f) => f.alone && !f.cluster);
process.stdout.write(
  `Running ${files.length} test files, ${lanes} at a time; ${clusterFiles.length} Kubernetes file(s) back to back ` +
    `${clusterAlone ? 'after the pool' : 'in one slot of the pool'}; ${alone.length} alone at the end\n`,
);
const phases = [];
const phase = async (name, queue, width) => {
  const t0 = (Date.now() - started) / 1000;
  if (queue.length === 0) return;
  await runPool(queue, width);
  phases.push({ name, t0, t1: (Date.now() - started) / 1000 });
};
await phase('pool', [...pooled, ...(clusterAlone ? [] : clusterTask)], lanes);
if (clusterAlone) await phase('Kubernetes files', [...clusterTask], 1);
await phase('alone', alone, 1);

// Safety net: whatever a crashed test left behind carries this run's label and goes now.
const leftovers = spawnSync('docker', ['ps', '-aq', '--filter', `label=berth.test-run=${runId}`], { encoding: 'utf8' });
const ids = (leftovers.stdout ?? '').split('\n').filter(Boolean);
if (ids.length > 0) {
  process.stdout.write(`Removing ${ids.length} container(s) left by this run\n`);
  spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

const durations = Object.fromEntries(
  results
    .filter((r) => r.start !== undefined)
    .map((r) => [r.path, Math.round(r.seconds)])
    .sort(),
);
writeFileSync('test-artifacts/durations.json', `${JSON.stringify(durations, null, 2)}\n`);
if (writeDurations) writeFileSync('test/durations.json', `${JSON.stringify({ ...known, ...durations }, null, 2)}\n`);

for (const group of GROUPS) {
  const mine = results.filter((r) => r.group === group).sort((a, b) => b.seconds - a.seconds);
  if (mine.length === 0) continue;
  const failedHere = mine.filter((r) => !r.ok).length;
  const total = mine.reduce((sum, r) => sum + r.seconds, 0);
  process.stdout.write(
    `\n=== ${group}: ${mine.length} files, ${failedHere === 0 ? 'passed' : `${failedHere} FAILED`}, ${total.toFixed(0)}s of file time; slowest: ===\n`,
  );
  for (const r of mine.slice(0, 10)) process.stdout.write(`${r.seconds.toFixed(1).padStart(7)}  ${r.path}\n`);
}
// Where the wall time went: each phase, and the file that ended it (the end of the critical path).
process.stdout.write('\n=== wall time by phase ===\n');
for (const { name, t0, t1 } of phases) {
  const inPhase = results.filter((r) => r.start !== undefined && r.start >= t0 && r.end <= t1 + 1);
  const last = inPhase.sort((a, b) => b.end - a.end)[0];
  const ended = last ? `; ended by ${last.path} (${last.start.toFixed(0)}s → ${last.end.toFixed(0)}s)` : '';
  process.stdout.write(`${(t1 - t0).toFixed(0).padStart(7)}s  ${name}${ended}\n`);
}
const clusterResults = results.filter((r) => r.cluster && r.start !== undefined);
if (clusterResults.length > 0) {
  const from = Math.min(...clusterResults.map((r) => r.start));
  const to = Math.max(...clusterResults.map((r) => r.end));
  process.stdout.write(
    `${(to - from).toFixed(0).padStart(7)}s  the Kubernetes files (${from.toFixed(0)}s → ${to.toFixed(0)}s)\n`,
  );
}
const failed = results.filter((r) => !r.ok);
process.stdout.write(`\nWall time ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
if (failed.length > 0) {
  process.stdout.write(`\n${failed.length} file(s) FAILED:\n`);
  for (const r of failed) {
    process.stdout.write(`  ${r.path}\n`);
    // The spec reporter's own list of failing tests, so a cut log still names them.
    for (const line of r.output
      .split('\n')
      .filter((l) => /^\s*✖ /.test(l))
      .slice(0, 15))
      process.stdout.write(`    ${line.trim()}\n`);
  }
  process.exit(1);
}
process.stdout.write('\nAll test files passed.\n');
