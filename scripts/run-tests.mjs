// Runs the whole suite with node:test, one group after another so a failing group is easy to spot.
// Each test file reuses one daemon and labels what it creates, so files do not share state: unit, http and
// integration files run two at a time (an integration file spends most of its time waiting on containers),
// except the integration files listed in ALONE, which measure CPU or timing, or build heavy images, and run
// one at a time after the others; e2e files run one at a time. Every file's duration is printed at the end, slowest first.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const groups = ['unit', 'http', 'integration', 'e2e'];
// Files whose assertions depend on a quiet machine (CPU shares, latency, request gaps) or that build images.
const ALONE = new Set([
  'alerts-cpu.test.ts',
  'metrics.test.ts',
  'db-lock.test.ts',
  'deploy-drain.test.ts',
  'proxy-robustness.test.ts',
  'daemon-restart.test.ts',
  'daemon-process.test.ts',
  'daemon-first-run.test.ts',
  'installer.test.ts',
  'daemon-container.test.ts',
  'berth-image-registry.test.ts',
]);
const only = process.argv.slice(2);
const runId = process.env.BERTH_TEST_RUN_ID || `run${randomBytes(4).toString('hex')}`;
const lanes = Math.max(1, Math.min(2, availableParallelism()));
mkdirSync('test-artifacts', { recursive: true });
for (const name of readdirSync('test-artifacts')) if (name.startsWith('timings-')) rmSync(`test-artifacts/${name}`);

/** Runs node --test on the files, `concurrency` files at a time; resolves with the exit code. */
function runFiles(files, concurrency, timings) {
  if (files.length === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
    reporters.push('--test-reporter=./scripts/file-timing-reporter.mjs', `--test-reporter-destination=${timings}`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...reporters, ...files],
      { stdio: 'inherit', env: { ...process.env, BERTH_TEST_RUN_ID: runId } },
    );
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function filesOf(group) {
  // Node 20's --test does not expand globs itself, so the files are listed here.
  const dir = `test/${group}`;
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => `${dir}/${f}`)
    : [];
}

/** The group's files by time spent, slowest first (the top ten). */
function printTimings(group) {
  const lines = readdirSync('test-artifacts')
    .filter((name) => name.startsWith(`timings-${group}`))
    .flatMap((name) => readFileSync(`test-artifacts/${name}`, 'utf8').split('\n').filter(Boolean))
    .map((line) => line.split('\t'))
    .sort((a, b) => Number(b[0]) - Number(a[0]));
  if (lines.length === 0) return;
  process.stdout.write(`--- ${group}: slowest files (s) ---\n`);
  for (const [seconds, file] of lines.slice(0, 10))
    process.stdout.write(`${seconds.padStart(7)}  ${file.replace(`${process.cwd()}/`, '')}\n`);
}

const failed = [];
for (const group of groups.filter((g) => only.length === 0 || only.includes(g))) {
  const files = filesOf(group);
  if (files.length === 0) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${group} tests ===\n`);
  let status;
  if (group === 'integration' && lanes > 1) {
    const alone = files.filter((f) => ALONE.has(f.split('/').pop()));
    const shared = files.filter((f) => !alone.includes(f));
    process.stdout.write(`(${shared.length} files ${lanes} at a time, then ${alone.length} one at a time)\n`);
    const first = await runFiles(shared, lanes, `test-artifacts/timings-${group}.txt`);
    const second = await runFiles(alone, 1, `test-artifacts/timings-${group}-alone.txt`);
    status = first !== 0 ? first : second;
  } else {
    // unit and http files run in-process apps on ephemeral ports; e2e shares one browser install, kept serial.
    status = await runFiles(files, group === 'e2e' ? 1 : lanes, `test-artifacts/timings-${group}.txt`);
  }
  printTimings(group);
  process.stdout.write(
    `=== ${group}: ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)}s ===\n`,
  );
  if (status !== 0) failed.push(group);
}
// Safety net: whatever a crashed test left behind carries this run's label and goes now.
const { spawnSync } = await import('node:child_process');
const leftovers = spawnSync('docker', ['ps', '-aq', '--filter', `label=berth.test-run=${runId}`], { encoding: 'utf8' });
const ids = (leftovers.stdout ?? '').split('\n').filter(Boolean);
if (ids.length > 0) {
  process.stdout.write(`Removing ${ids.length} container(s) left by this run\n`);
  spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}
if (failed.length > 0) {
  process.stdout.write(`\nFailed groups: ${failed.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write('\nAll test groups passed.\n');
