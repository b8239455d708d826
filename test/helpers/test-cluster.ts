/**
 * The real single-node Kubernetes cluster of the kubernetes test files (scripts/k8s/cluster.sh, binaries
 * cached by scripts/test-env.sh). One per machine (fixed ports, host iptables): whoever starts it holds the
 * lock /tmp/berth-k8s.lock. A file run on its own (`flock /tmp/berth-k8s.lock node --test file`) starts and
 * stops its own cluster; a start that fails half-way is stopped before the error is rethrown, so iptables are
 * restored. Under scripts/run-tests.mjs the runner starts one cluster for all these files, runs them back to
 * back on it and names its directory in BERTH_TEST_CLUSTER_DIR: a file then uses it as it is, and its stop()
 * leaves the cluster as the next file expects it (its namespaces terminating, no pod, no volume).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_ID } from './docker-test-env.js';

const CACHE = process.env.BERTH_TEST_CACHE || '/var/cache/berth-test';
const CLUSTER = 'scripts/k8s/cluster.sh';
export const KUBECTL = join(CACHE, 'k8s/bin/kubectl');
/** The runner's running cluster, when there is one (see above). */
const SHARED_DIR = process.env.BERTH_TEST_CLUSTER_DIR || '';
/** The namespaces a fresh cluster has: everything else was made by a test file. */
const CLUSTER_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export interface TestCluster {
  /** This run's cluster directory (state, logs, kubeconfig). */
  runDir: string;
  kubeconfig: string;
  kubectl(...args: string[]): string;
  /**
   * Own cluster: stops it, checks the kubelet left no pod containers behind, removes the run directory.
   * The runner's cluster: takes away the namespaces, pods and volumes this file left (see clear() below), checks
   * no pod is left on the cluster and no pod container runs on the engine; the runner stops the cluster later.
   */
  stop(): Promise<void>;
}

/**
 * The kubelet's pod containers on the engine (dockershim names them k8s_…): all of them or the running ones,
 * of every namespace or of one.
 */
export function k8sContainers(which: 'all' | 'running' = 'all', namespace?: string): string[] {
  const filters = ['--filter', 'label=io.kubernetes.docker.type', '--filter', 'name=^/k8s_'];
  if (namespace) filters.push('--filter', `label=io.kubernetes.pod.namespace=${namespace}`);
  const list = which === 'all' ? ['ps', '-aq'] : ['ps', '-q'];
  return execFileSync('docker', [...list, ...filters], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

const kubectlWith =
  (kubeconfig: string) =>
  (...args: string[]): string =>
    execFileSync(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' }).trim();

export function startTestCluster(name: string): TestCluster {
  for (const binary of ['kube-apiserver', 'kubelet', 'kube-proxy', 'kubectl'])
    assert.ok(existsSync(join(CACHE, 'k8s/bin', binary)), `${binary} missing: run scripts/test-env.sh`);
  if (SHARED_DIR) return useSharedCluster(SHARED_DIR);
  const runDir = join(CACHE, 'k8s', `${name}-${RUN_ID}`);
  const stopCluster = () => execFileSync(CLUSTER, ['stop', runDir], { stdio: ['ignore', 'inherit', 'inherit'] });
  let out: string;
  try {
    out = execFileSync(CLUSTER, ['start', runDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    stopCluster();
    throw error;
  }
  const kubeconfig = out.trim().split('\n').pop() ?? '';
  return {
    runDir,
    kubeconfig,
    kubectl: kubectlWith(kubeconfig),
    async stop() {
      stopCluster();
      assert.deepEqual(k8sContainers(), [], 'no k8s_ containers are left');
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

function useSharedCluster(runDir: string): TestCluster {
  const kubeconfig = join(runDir, 'kubeconfig');
  const kubectl = kubectlWith(kubeconfig);
  /**
   * Takes away what a test made, at once, the way stopping the cluster would: its namespaces go into
   * termination (nothing new can start in them), their pods are deleted without a grace period and their
   * containers removed from the engine, and the volumes are deleted. A namespace's own deletion is not waited
   * for: the namespace controller backs off while pods terminate, which can stretch it to a minute.
   */
  const clear = () => {
    const namespaces = kubectl('get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}')
      .split(/\s+/)
      .filter((ns) => ns !== '' && !CLUSTER_NAMESPACES.has(ns));
    if (namespaces.length > 0) kubectl('delete', 'namespace', ...namespaces, '--wait=false', '--ignore-not-found');
    for (const ns of namespaces) kubectl('-n', ns, 'delete', 'pods', '--all', '--grace-period=0', '--force');
    kubectl('delete', 'persistentvolumes', '--all', '--wait=false');
    const containers = namespaces.flatMap((ns) => k8sContainers('all', ns));
    if (containers.length > 0) execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore' });
  };
  clear(); // what an earlier file left if it died before its stop()
  return {
    runDir,
    kubeconfig,
    kubectl,
    async stop() {
      clear();
      assert.equal(kubectl('get', 'pods', '--all-namespaces', '-o', 'name'), '', 'no pod is left on the cluster');
      assert.deepEqual(k8sContainers('running'), [], 'no pod container still runs on the engine');
    },
  };
}
