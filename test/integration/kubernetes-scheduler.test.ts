/**
 * The Kubernetes scheduler against a REAL single-node cluster (scripts/k8s/cluster.sh: etcd, apiserver,
 * controller-manager, scheduler, a kubelet whose dockershim runs pods on this Docker engine, kube-proxy in
 * iptables mode). A test image built here on the node's engine (imagePullPolicy Never, no registry) is
 * applied as the objects of src/workloads/kubernetes-spec.ts; the test waits for the rollout, reaches the
 * pods through their ready endpoints, rolls out a new version under keep-alive load with zero failed
 * requests, sees a failing health check keep the old pods serving, reads pod logs, deletes the namespace,
 * and stops the cluster leaving iptables as it found them. Fixed ports and host iptables: runs alone.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { createKubernetesClient } from '../../src/runtime/kubernetes/client.js';
import { KubernetesScheduler } from '../../src/runtime/kubernetes/scheduler.js';
import { APP_CONTAINER_NAME, APP_PORT_NAME, projectNamespaceName } from '../../src/workloads/kubernetes-names.js';
import { appObjects, type KubernetesAppWorkload } from '../../src/workloads/kubernetes-spec.js';
import { serviceSelector } from '../../src/workloads/labels.js';
import { RUN_ID, TEST_IMAGES, testDockerEndpoint, testLabels } from '../helpers/docker-test-env.js';
import { startEndpointRouter } from '../helpers/endpoint-router.js';
import { startLoad } from '../helpers/load.js';

const CACHE = process.env.BERTH_TEST_CACHE || '/var/cache/berth-test';
const CLUSTER = 'scripts/k8s/cluster.sh';
const RUN_DIR = join(CACHE, 'k8s', `run-${RUN_ID}`);
const IMAGE = `berth-test/k8s-app:${RUN_ID}`;
const PORT = 8080;
// Short windows keep the test quick; the meaning is Berth's (stabilisation, preStop pause, drain).
const TIMING = { minReadySeconds: 1, preStopSeconds: 3, drainSeconds: 5 };
// Values that must reach the app byte for byte: spaces, quotes, a newline, unicode, an empty one.
const VARIABLES = { T_GREETING: 'hello "world" $HOME', T_LINES: 'one\ntwo', T_UNICODE: 'grüße ✓', T_EMPTY: '' };

// The app: answers its version and pod name, /env with its T_* variables and PORT, /up as its health check
// (500 when FAIL_HEALTH is set); on SIGTERM it stops listening, lets in-flight requests finish, exits.
const SERVER = `
const http = require('http');
const os = require('os');
const version = process.env.T_VERSION;
const server = http.createServer((req, res) => {
  if (req.url === '/up') { res.statusCode = process.env.FAIL_HEALTH ? 500 : 200; return res.end('up'); }
  if (req.url === '/env') {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('T_') || k === 'PORT'));
    return res.end(JSON.stringify(env));
  }
  res.end('v' + version);
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT + ' version ' + version + ' in ' + os.hostname()));
process.on('SIGTERM', () => { console.log('SIGTERM'); server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

const project = { id: `prj_${RUN_ID.slice(0, 12).padEnd(12, '0')}`, name: 'kube', networkName: 'unused' };
const NAMESPACE = projectNamespaceName(project.id);
const service = { id: 'svc_k8stest00001', name: 'web', resources: { memoryMb: 128, cpus: 0.5 } };

function workload(version: number, extra: Partial<KubernetesAppWorkload> = {}): KubernetesAppWorkload {
  return {
    project,
    service,
    deploymentId: `dep_v${String(version).padStart(11, '0')}`,
    image: IMAGE,
    env: { ...VARIABLES, T_VERSION: String(version) },
    replicas: 2,
    port: PORT,
    healthcheck: { type: 'http', path: '/up', expectedStatus: 200, timeoutSeconds: 30 },
    imagePullPolicy: 'Never',
    ...extra,
  };
}

function getText(ip: string, port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * iptables rules without counters and comments, minus what Docker changes meanwhile for other tests: the
 * rules of its per-container chains, of user-defined bridge networks (br-*), and published ports' masquerade.
 */
function iptablesRules(): string[] {
  return execFileSync('iptables-save', { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]$/, ''))
    .filter((line) => !/^-A DOCKER/.test(line) && !/\bbr-[0-9a-f]{12}\b/.test(line))
    .filter((line) => !/^-A POSTROUTING -s \S+\/32 -d \S+\/32 .* -j MASQUERADE/.test(line))
    .sort();
}

function k8sContainers(namespace?: string): string[] {
  const filters = ['--filter', 'label=io.kubernetes.docker.type', '--filter', 'name=^/k8s_'];
  if (namespace) filters.push('--filter', `label=io.kubernetes.pod.namespace=${namespace}`);
  return execFileSync('docker', ['ps', '-aq', ...filters], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describe('kubernetes scheduler on a real single-node cluster', { timeout: 600_000 }, () => {
  const docker = new DockerRuntime(testDockerEndpoint());
  let iptablesBefore: string[] = [];
  let scheduler: KubernetesScheduler;
  let contextDir: string;
  let isStarted = false;

  before(async () => {
    for (const binary of ['kube-apiserver', 'kubelet', 'kube-proxy', 'kubectl'])
      assert.ok(existsSync(join(CACHE, 'k8s/bin', binary)), `${binary} missing: run scripts/test-env.sh`);
    contextDir = await mkdtemp(join(tmpdir(), 'berth-k8s-app-'));
    await writeFile(join(contextDir, 'server.js'), SERVER);
    await writeFile(
      join(contextDir, 'Dockerfile'),
      `FROM ${TEST_IMAGES.node}\nCOPY server.js /app/server.js\nCMD ["node", "/app/server.js"]\n`,
    );
    await docker.buildImage({
      contextDir,
      dockerfile: 'Dockerfile',
      tag: IMAGE,
      labels: testLabels(),
      onLine: () => undefined,
    });
    iptablesBefore = iptablesRules();
    isStarted = true;
    const out = execFileSync(CLUSTER, ['start', RUN_DIR], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const kubeconfig = out.trim().split('\n').pop() ?? '';
    assert.equal(kubeconfig, join(RUN_DIR, 'kubeconfig'));
    scheduler = new KubernetesScheduler(createKubernetesClient(kubeconfig), {
      rolloutTimeoutMs: 120_000,
      installId: `ins_${RUN_ID}`,
      pollMs: 250,
    });
  });

  after(async () => {
    if (isStarted) execFileSync(CLUSTER, ['stop', RUN_DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
    await docker.removeImage(IMAGE).catch(() => undefined);
    if (contextDir) await rm(contextDir, { recursive: true, force: true });
    if (!isStarted) return;
    assert.deepEqual(k8sContainers(), [], 'no k8s_ containers are left');
    const rules = iptablesRules();
    assert.deepEqual(
      rules.filter((rule) => rule.includes('KUBE-')),
      [],
      'no KUBE-* chain or jump is left',
    );
    assert.deepEqual(rules, iptablesBefore, "iptables as found (apart from Docker's changes for other tests)");
    assert.equal(existsSync('/var/lib/kubelet'), false, 'no /var/lib/kubelet left');
    await rm(RUN_DIR, { recursive: true, force: true });
  });

  it('answers its version', async () => {
    assert.equal(await scheduler.version(), 'v1.20.2');
  });

  it('berth doctor checks the cluster in words: API, nodes, permissions, storage', async () => {
    const env = {
      ...process.env,
      BERTH_DATA_DIR: await mkdtemp(join(tmpdir(), 'berth-k8s-doctor-')),
      BERTH_KUBECONFIG: join(RUN_DIR, 'kubeconfig'),
    };
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'doctor'], { env, timeout: 60_000 }, (_e, stdout) =>
        resolve(stdout),
      );
    });
    assert.match(out, /\[ok {2}\] the Kubernetes API answers \(v1\.20\.2\)/);
    assert.match(out, /\[ok {2}\] 1 node, all Ready/);
    assert.match(out, /\[ok {2}\] the credentials may do everything Berth does on the cluster/);
    // The test node has no storage class: said as a warning, not hidden.
    assert.match(out, /\[warn\] no storage class: databases on the cluster need one/);
    await rm(env.BERTH_DATA_DIR, { recursive: true, force: true });
  });

  it('applies namespace, secret, deployment and service; the rollout ends with 2 ready pods serving', async () => {
    await scheduler.apply(appObjects(workload(1), TIMING));
    await scheduler.apply(appObjects(workload(1), TIMING)); // applying the same objects again changes nothing
    await scheduler.waitForRollout(NAMESPACE, 'web');
    const endpoints = await scheduler.readyEndpoints(NAMESPACE, 'web', APP_PORT_NAME);
    assert.equal(endpoints.length, 2);
    for (const endpoint of endpoints) {
      assert.equal(endpoint.port, PORT);
      assert.equal(await getText(endpoint.ip, endpoint.port), 'v1');
      const env = JSON.parse(await getText(endpoint.ip, endpoint.port, '/env')) as Record<string, string>;
      assert.deepEqual(env, { ...VARIABLES, T_VERSION: '1', PORT: String(PORT) }, 'variables byte for byte');
    }
    const pods = await scheduler.listPods(NAMESPACE, serviceSelector(service.id));
    assert.equal(pods.filter((p) => p.isReady).length, 2);
    assert.ok(pods.every((p) => p.labels['berth.deployment'] === 'dep_v00000000001'));
  });

  it('rolls out a new version under keep-alive load with zero failed requests, never below 2 ready', async () => {
    const router = await startEndpointRouter(() => scheduler.readyEndpoints(NAMESPACE, 'web', APP_PORT_NAME));
    const load = startLoad({ port: router.port, host: 'web', connections: 20, maxSeconds: 150 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await scheduler.apply(appObjects(workload(2), TIMING));
      await scheduler.waitForRollout(NAMESPACE, 'web');
      // The last old pods are in their preStop pause now: keep the load on until they have stopped.
      await new Promise((resolve) => setTimeout(resolve, (TIMING.preStopSeconds + 2) * 1000));
    } finally {
      const result = await load.stop();
      await router.close();
      assert.equal(result.failed, 0, result.errors.join('\n'));
      assert.ok(result.ok > 200, `only ${result.ok} requests`);
      assert.deepEqual(result.bodies, ['v1', 'v2']);
      assert.equal(router.fewestEndpoints(), 2, 'never fewer ready pods than wanted');
    }
    const endpoints = await scheduler.readyEndpoints(NAMESPACE, 'web', APP_PORT_NAME);
    assert.deepEqual(await Promise.all(endpoints.map((e) => getText(e.ip, e.port))), ['v2', 'v2']);
  });

  it('a version whose health check fails times out, and the previous pods keep serving', async () => {
    const impatient = new KubernetesScheduler(createKubernetesClient(join(RUN_DIR, 'kubeconfig')), {
      rolloutTimeoutMs: 8000,
      pollMs: 250,
    });
    const failing = workload(3, { env: { ...VARIABLES, T_VERSION: '3', FAIL_HEALTH: '1' } });
    await impatient.apply(appObjects(failing, TIMING));
    await assert.rejects(
      impatient.waitForRollout(NAMESPACE, 'web'),
      (error: unknown) =>
        isAppError(error) &&
        error.code === 'KUBERNETES_ROLLOUT_TIMEOUT' &&
        /did not finish within 8 s \(1 of 2 pods run the new template\)/.test(error.message),
    );
    const endpoints = await scheduler.readyEndpoints(NAMESPACE, 'web', APP_PORT_NAME);
    assert.deepEqual(await Promise.all(endpoints.map((e) => getText(e.ip, e.port))), ['v2', 'v2']);
  });

  it("reads each pod's log", async () => {
    const logs = await scheduler.podLogs(NAMESPACE, serviceSelector(service.id), { container: APP_CONTAINER_NAME });
    assert.equal(logs.length, 3, 'two v2 pods and the unready v3 pod');
    const lines = logs.map((l) => l.text.replace(/ in \S+\n$/, ''));
    assert.deepEqual(lines.sort(), [
      'listening on 8080 version 2',
      'listening on 8080 version 2',
      'listening on 8080 version 3',
    ]);
    for (const log of logs) assert.match(log.text, new RegExp(` in ${log.pod}\\n$`));
  });

  it('deletes the namespace with everything in it; deleting it again is no error', async () => {
    assert.ok(k8sContainers(NAMESPACE).length >= 3);
    await scheduler.deleteNamespace(NAMESPACE);
    assert.equal(await createKubernetesClient(join(RUN_DIR, 'kubeconfig')).hasNamespace(NAMESPACE), false);
    assert.deepEqual(await scheduler.listPods(NAMESPACE, {}), []);
    await scheduler.deleteNamespace(NAMESPACE);
    const deadline = Date.now() + 30_000;
    while (k8sContainers(NAMESPACE).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(k8sContainers(NAMESPACE), [], 'the pods are gone from the engine too');
  });
});
