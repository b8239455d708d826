// Runs the whole suite with node:test, one group after another so a failing group is easy to spot.
// Test files run one at a time (they share one Docker engine); each file reuses one daemon.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';

const groups = ['unit', 'http', 'integration', 'e2e'];
const only = process.argv.slice(2);
const runId = process.env.BERTH_TEST_RUN_ID || `run${randomBytes(4).toString('hex')}`;
mkdirSync('test-artifacts', { recursive: true });

let failed = [];
for (const group of groups.filter((g) => only.length === 0 || only.includes(g))) {
  // Node 20's --test does not expand globs itself, so the files are listed here.
  const dir = `test/${group}`;
  const files = existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => `${dir}/${f}`)
    : [];
  if (files.length === 0) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${group} tests ===\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
    { stdio: 'inherit', env: { ...process.env, BERTH_TEST_RUN_ID: runId } },
  );
  process.stdout.write(
    `=== ${group}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)}s ===\n`,
  );
  if (result.status !== 0) failed.push(group);
}
// Safety net: whatever a crashed test left behind carries this run's label and goes now.
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
