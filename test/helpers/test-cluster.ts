/**
 * The real single-node Kubernetes cluster of the kubernetes test files (scripts/k8s/cluster.sh, binaries
 * cached by scripts/test-env.sh). One per machine (fixed ports, host iptables): the files that start it run
 * alone. A start that fails half-way is stopped before the error is rethrown, so iptables are restored.
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

export interface TestCluster {
  /** This run's cluster directory (state, logs, kubeconfig). */
  runDir: string;
  kubeconfig: string;
  kubectl(...args: string[]): string;
  /** Stops the cluster, checks the kubelet left no pod containers behind, removes the run directory. */
  stop(): Promise<void>;
}

/** The kubelet's pod containers on the engine (dockershim names them k8s_…). */
export function k8sContainers(): string[] {
  const filters = ['--filter', 'label=io.kubernetes.docker.type', '--filter', 'name=^/k8s_'];
  return execFileSync('docker', ['ps', '-aq', ...filters], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

export function startTestCluster(name: string): TestCluster {
  for (const binary of ['kube-apiserver', 'kubelet', 'kube-proxy', 'kubectl'])
    assert.ok(existsSync(join(CACHE, 'k8s/bin', binary)), `${binary} missing: run scripts/test-env.sh`);
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
    kubectl: (...args) => execFileSync(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' }).trim(),
    async stop() {
      stopCluster();
      assert.deepEqual(k8sContainers(), [], 'no k8s_ containers are left');
      await rm(runDir, { recursive: true, force: true });
    },
  };
}
