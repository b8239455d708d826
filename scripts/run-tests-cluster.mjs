// The Kubernetes test files of scripts/run-tests.mjs. There is one cluster per machine (scripts/k8s/cluster.sh:
// fixed ports, host iptables), so these files run one after the other, under the machine's cluster lock (other
// users of the machine take it too). Starting and stopping the cluster costs ~15 s, so it happens once: the files
// that start their own cluster (kubernetes-scheduler checks the start and stop themselves) run first, then one
// cluster starts and the files that take theirs from test/helpers/test-cluster.ts run back to back on it
// (BERTH_TEST_CLUSTER_DIR names it; each file still runs its own daemon in its own namespaces and leaves the
// cluster empty). At the end the cluster stops, and no container of the kubelet may be left on the engine.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { clearTimeout, setTimeout } from 'node:timers';

const LOCK = process.env.BERTH_TEST_K8S_LOCK || '/tmp/berth-k8s.lock';
const CACHE = process.env.BERTH_TEST_CACHE || '/var/cache/berth-test';
const CLUSTER = 'scripts/k8s/cluster.sh';
const K8S_CONTAINERS = ['ps', '-aq', '--filter', 'label=io.kubernetes.docker.type', '--filter', 'name=^/k8s_'];

/** The integration files that use the cluster. */
export const isClusterFile = (name) => /^kubernetes-.*\.test\.ts$/.test(name);

/** Whether a file takes its cluster from the helper (and so can share the runner's). */
const takesHelperCluster = (path) => readFileSync(path, 'utf8').includes('startTestCluster(');

let runningDir = '';

/** Stops the runner's cluster if one runs (the runner's SIGINT/SIGTERM handler calls this). */
export function stopClusterNow() {
  if (!runningDir) return;
  spawnSync(CLUSTER, ['stop', runningDir], { stdio: 'inherit' });
  runningDir = '';
}

/** Runs a command, resolving with its exit code and its output (stdout and stderr in one). */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** Takes the machine's cluster lock (waits for it); resolves with the function that gives it back. */
function takeLock(log) {
  return new Promise((resolve, reject) => {
    // flock holds the lock while `cat` runs; cat ends when its stdin closes: on release, or when the runner dies.
    const holder = spawn('flock', [LOCK, '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const waiting = setTimeout(() => log(`waiting for the cluster lock ${LOCK}`), 2000);
    holder.on('error', reject);
    holder.stdout.once('data', () => {
      clearTimeout(waiting);
      resolve(() => holder.stdin.end());
    });
  });
}

/**
 * Runs the cluster files (each through runFile(file, extraEnv)); resolves with their results, plus a failed
 * entry when the cluster could not start or left containers behind.
 */
export async function runClusterFiles(files, runFile, { runId, log }) {
  const own = files.filter((f) => !takesHelperCluster(f.path));
  const shared = files.filter((f) => takesHelperCluster(f.path));
  const results = [];
  const release = await takeLock(log);
  try {
    for (const file of own) results.push(await runFile(file, {}));
    if (shared.length === 0) return results;
    const dir = join(CACHE, 'k8s', `shared-${runId}`);
    const t0 = Date.now();
    runningDir = dir;
    const started = await run(CLUSTER, ['start', dir]);
    const startSeconds = (Date.now() - t0) / 1000;
    if (started.code !== 0) {
      stopClusterNow();
      const output = `[run-tests] the shared cluster did not start:\n${started.output}`;
      for (const file of shared) results.push({ ...file, ok: false, seconds: 0, output });
      return results;
    }
    log(`one cluster for ${shared.length} file(s), started in ${startSeconds.toFixed(1)}s (${dir})`);
    for (const file of shared) results.push(await runFile(file, { BERTH_TEST_CLUSTER_DIR: dir }));
    const stopped = await run(CLUSTER, ['stop', dir]);
    runningDir = '';
    const left = spawnSync('docker', K8S_CONTAINERS, { encoding: 'utf8' }).stdout.trim();
    if (stopped.code !== 0 || left !== '') {
      const output = `[run-tests] stopping the shared cluster: exit ${stopped.code}, kubelet containers left: ${left || 'none'}\n${stopped.output}`;
      results.push({ path: 'the shared Kubernetes cluster', group: 'integration', ok: false, seconds: 0, output });
    }
    rmSync(dir, { recursive: true, force: true });
    return results;
  } finally {
    release();
  }
}
