/**
 * App deploys on a REAL single-node cluster (scripts/k8s/cluster.sh) with BERTH_SCHEDULER=kubernetes: a
 * daemon builds a Dockerfile app from git on the node's own engine, applies it as a Deployment, and its
 * proxy routes the hostname to the ready pod endpoints. Variables reach the pod byte for byte; redeploys
 * under keep-alive load lose no request; a failing health check keeps the old version answering (the
 * Deployment goes back to its previous template); rollback, runtime logs from the pods, what is refused
 * on the cluster, worker processes as Deployments of their own (their log, a scale to 2, a failing one
 * that keeps the old workers, a type gone), cron runs as Jobs (output, exit code, no Job left), and deleting
 * the service and the project remove their objects. The cluster uses fixed
 * ports and the host's iptables: the file runs alone, and stops the cluster in after().
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKubernetesClient, type KubernetesClient } from '../../src/runtime/kubernetes/client.js';
import { projectNamespaceName } from '../../src/workloads/kubernetes-names.js';
import { createFixtureService } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { startTestCluster, type TestCluster } from '../helpers/test-cluster.js';
import { get, startLoad } from '../helpers/load.js';

const HOST = 'web-kube.localhost';

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
const TRICKY = 'line one\nline two $HOME ${{not.a.ref}} "double" \'single\' `tick` \\ back\ttab é 🚢';

describe('app deploys on a real single-node cluster (BERTH_SCHEDULER=kubernetes)', { timeout: 900_000 }, () => {
  let h: Harness;
  let git: GitServer;
  let repo: TestRepo;
  let client: KubernetesClient;
  let cluster: TestCluster | undefined;
  let kubeconfig = '';
  let projectId: string;
  let serviceId: string;
  const deploymentOf: Record<string, string> = {};

  const deploy = async () => {
    const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/deployments`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return h.waitForDeployment(created.body.id, 240_000);
  };
  const commitVersion = (version: string) => repo.commit({ VERSION: `${version}\n` }, `release ${version}`);
  const answer = async (path = '/') => (await get(h.proxyPort, HOST, path)).body;
  const kubectl = (...args: string[]) => cluster!.kubectl(...args);
  const namespace = () => projectNamespaceName(projectId);

  before(async () => {
    cluster = startTestCluster('deploy');
    kubeconfig = cluster.kubeconfig;
    client = createKubernetesClient(kubeconfig);
    git = await startGitServer();
    repo = await git.createRepo('kube-web', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
    h = await startHarness({
      BERTH_SCHEDULER: 'kubernetes',
      BERTH_KUBECONFIG: kubeconfig,
      BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS: '120',
      BERTH_STABILISATION_SECONDS: '1',
      BERTH_DRAIN_TIMEOUT_SECONDS: '5',
    });
  });

  after(async () => {
    await h?.close();
    await git?.close();
    await cluster?.stop();
  });

  it('deploys a Dockerfile app from git onto the cluster; it answers through the proxy by hostname', async () => {
    ({ projectId, serviceId } = await createFixtureService(h.api, {
      project: 'kube',
      service: 'web',
      repoUrl: repo.url,
    }));
    const vars = await h.api('PUT', `/services/${serviceId}/variables`, { TRICKY, GREETING: 'hello' });
    assert.equal(vars.status, 200, JSON.stringify(vars.body));
    const deployment = await deploy();
    assert.equal(deployment.status, 'active', String(deployment.error));
    deploymentOf.v1 = deployment.id as string;
    assert.equal(await answer(), 'v1');
    // It runs as a pod of the service's Deployment, not as a plain container.
    assert.equal(kubectl('-n', namespace(), 'get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}'), '1');
    const log = await h.api<{ lines: string[] }>('GET', `/deployments/${deployment.id as string}/logs`);
    assert.match(log.body.lines.join('\n'), /Applying Deployment berth-prj-\w+\/web/);
  });

  it('passes the variables to the pod byte for byte', async () => {
    assert.equal(await answer('/env/TRICKY'), TRICKY);
    assert.equal(await answer('/env/GREETING'), 'hello');
    assert.equal(await answer('/env/PORT'), '3000');
  });

  it('redeploys five times under 50 keep-alive connections without a failed request', async () => {
    const load = startLoad({ port: h.proxyPort, host: HOST, connections: 50, maxSeconds: 600 });
    try {
      for (const version of ['v2', 'v3', 'v4', 'v5', 'v6']) {
        await commitVersion(version);
        const deployment = await deploy();
        assert.equal(deployment.status, 'active', String(deployment.error));
        deploymentOf[version] = deployment.id as string;
        // The route follows the endpoints: the old pod leaves within a poll of the rollout's end.
        const deadline = Date.now() + 10_000;
        while ((await answer()) !== version && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        assert.equal(await answer(), version);
      }
    } finally {
      const result = await load.stop();
      assert.equal(result.failed, 0, `failed requests: ${result.errors.join(' | ')}`);
      assert.ok(result.ok > 200, `only ${result.ok} requests went through`);
      assert.deepEqual(result.bodies, ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'], 'versions switch in order, never back');
    }
  });

  it('a failing health check fails the deploy and the old version keeps answering', async () => {
    const patched = await h.api('PATCH', `/services/${serviceId}`, {
      healthcheck: { type: 'http', path: '/missing', expectedStatus: 200, timeoutSeconds: 5 },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await commitVersion('v5-unhealthy');
    const load = startLoad({ port: h.proxyPort, host: HOST, connections: 5, maxSeconds: 200 });
    let deployment: Record<string, unknown>;
    try {
      deployment = await deploy();
    } finally {
      const result = await load.stop();
      assert.equal(result.failed, 0, `failed requests: ${result.errors.join(' | ')}`);
      assert.deepEqual(result.bodies, ['v6'], 'only the old version answered');
    }
    assert.equal(deployment.status, 'failed');
    assert.match(String(deployment.error), /Health check failed: the rollout of berth-prj-\w+\/web/);
    assert.equal(await answer(), 'v6');
    // The Deployment went back to the template that served: its pods run v4's deployment.
    const selector = `berth.deployment=${deploymentOf.v4}`;
    assert.equal(kubectl('-n', namespace(), 'get', 'pods', '-l', selector, '-o', 'name').split('\n').length, 1);
    const restored = await h.api('PATCH', `/services/${serviceId}`, {
      healthcheck: { type: 'http', path: '/healthz', expectedStatus: 200, timeoutSeconds: 30 },
    });
    assert.equal(restored.status, 200);
  });

  it('rolls back to an earlier deployment (its image and its variables)', async () => {
    await h.api('PUT', `/services/${serviceId}/variables`, { TRICKY: 'changed', GREETING: 'hello' });
    const rollback = await h.api<{ id: string }>('POST', `/deployments/${deploymentOf.v2}/rollback`);
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
    const deployment = await h.waitForDeployment(rollback.body.id, 240_000);
    assert.equal(deployment.status, 'active', String(deployment.error));
    const deadline = Date.now() + 10_000;
    while ((await answer()) !== 'v2' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await answer(), 'v2');
    assert.equal(await answer('/env/TRICKY'), TRICKY, 'the variables v2 ran with');
  });

  it('runtime logs come from the pod', async () => {
    const logs = await h.api<{ lines: string[]; deploymentId: string }>('GET', `/services/${serviceId}/logs?tail=50`);
    assert.equal(logs.status, 200, JSON.stringify(logs.body));
    assert.match(logs.body.lines.join('\n'), /dockerfile-app v2 listening on port 3000/);
  });

  it('refuses what the cluster cannot run yet, in words', async () => {
    // Databases run on the cluster now (kubernetes-databases.test.ts); service volumes do not yet.
    const volume = await h.api<{ error: { code: string; message: string } }>('POST', `/services/${serviceId}/volumes`, {
      name: 'data',
      mountPath: '/data',
    });
    assert.equal(volume.status, 409, JSON.stringify(volume.body));
    assert.equal(volume.body.error.code, 'KUBERNETES_UNSUPPORTED');
    assert.match(volume.body.error.message, /^Volumes are not supported on the kubernetes scheduler yet/);
  });

  it('runs worker processes as Deployments of their own: logs, scale, a failing one keeps the old, a gone type goes', async () => {
    const worker = (name: string) => `${name}: node worker.mjs ${name}\n`;
    const files = {
      'worker.mjs': [
        'const [name, exit] = process.argv.slice(2);',
        'if (exit) { console.log(`${name} gives up`); process.exit(Number(exit)); }',
        'setInterval(() => console.log(`${name} tick for ${process.env.GREETING}`), 500);',
        "process.on('SIGTERM', () => process.exit(0));",
      ].join('\n'),
      Procfile: worker('worker'),
    };
    await repo.commit(files, 'a worker process');
    const first = await deploy();
    assert.equal(first.status, 'active', String(first.error));
    assert.equal(
      kubectl('-n', namespace(), 'get', 'deployment', 'web--worker', '-o', 'jsonpath={.status.readyReplicas}'),
      '1',
    );
    // Its lines come through Berth's runtime log API with the web replicas'.
    await until('the worker in the service log', async () => {
      const logs = await h.api<{ lines: string[] }>('GET', `/services/${serviceId}/logs?tail=20`);
      return logs.body.lines.some((line) => line.includes('worker tick for hello'));
    });
    const scaled = await h.api('PATCH', `/services/${serviceId}/processes/worker`, { replicas: 2 });
    assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
    await until('two worker pods running', async () => {
      const list = await h.api<{ processes: { type: string; running: number }[] }>(
        'GET',
        `/services/${serviceId}/processes`,
      );
      return list.body.processes.find((p) => p.type === 'worker')?.running === 2;
    });
    const workerPods = `berth.worker-of=${serviceId},berth.process=worker`;
    assert.equal((await client.listPods(namespace(), workerPods)).filter((p) => p.isReady).length, 2);
    assert.deepEqual(
      await client.listPods(namespace(), `berth.service=${serviceId},berth.role=worker`),
      [],
      'never selected as web pods',
    );

    // A new type whose process exits fails the deploy; the old worker keeps running, the new type's Deployment goes.
    await repo.commit({ Procfile: worker('worker') + 'bad: node worker.mjs bad 3\n' }, 'a worker that exits');
    const failed = await deploy();
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /The worker process bad did not stay up \(last exit code 3\)/);
    assert.equal(await client.readDeployment(namespace(), 'web--bad'), undefined);
    await until('the old workers only', async () => {
      const pods = (await client.listPods(namespace(), workerPods)).filter((p) => !p.isTerminating);
      return pods.length === 2 && pods.every((p) => p.labels['berth.deployment'] === first.id && p.isReady);
    });
    assert.equal(await answer(), 'v5-unhealthy', 'the web version of the last good deploy answers');

    // A type gone from the next release loses its Deployment; the new type runs.
    await repo.commit({ Procfile: worker('clock') }, 'the worker becomes a clock');
    const third = await deploy();
    assert.equal(third.status, 'active', String(third.error));
    // Gone types are removed right after the switch, which records the deployment active first.
    await until(
      'the gone type has no Deployment',
      async () => (await client.readDeployment(namespace(), 'web--worker')) === undefined,
    );
    assert.equal(kubectl('-n', namespace(), 'get', 'deployment', 'web--clock', '-o', 'jsonpath={.spec.replicas}'), '1');
  });

  it('runs cron jobs as Jobs on the cluster: output in the run log, a failing command with its exit code, no Job left', async () => {
    const runOf = async (command: string) => {
      const name = `job-${Math.random().toString(36).slice(2, 8)}`;
      const created = await h.api<{ id: string }>('POST', `/services/${serviceId}/cron-jobs`, {
        name,
        schedule: '0 0 1 1 *',
        command,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const started = await h.api<{ id: string }>('POST', `/services/${serviceId}/cron-jobs/${created.body.id}/run`);
      assert.ok(started.status < 300, JSON.stringify(started.body));
      const path = `/services/${serviceId}/cron-jobs/${created.body.id}/runs/${started.body.id}`;
      let run: { status: string; exitCode: number | null; log: string; error: string | null } | undefined;
      await until('the run to end', async () => {
        run = (await h.api<NonNullable<typeof run>>('GET', path)).body;
        return run.status !== 'running';
      });
      await until(
        'its Job to go',
        async () => kubectl('get', 'jobs', '-A', '-l', `berth.cron-job=${created.body.id}`, '-o', 'name') === '',
      );
      return run!;
    };
    const ok = await runOf('echo cron says $GREETING');
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok));
    assert.equal(ok.exitCode, 0);
    assert.match(ok.log, /cron says hello/);
    const bad = await runOf('echo about to fail; exit 7');
    assert.equal(bad.status, 'failed', JSON.stringify(bad));
    assert.equal(bad.exitCode, 7);
    assert.match(bad.log, /about to fail/);
  });

  it('deleting the service removes its Deployment, Service, Secrets and pods; deleting the project its namespace', async () => {
    const deleted = await h.api('DELETE', `/services/${serviceId}`, { confirm: 'web' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal(await client.readDeployment(namespace(), 'web'), undefined);
    assert.equal(await client.readyEndpoints(namespace(), 'web', 'http'), undefined, 'no Service');
    assert.deepEqual(await client.listPods(namespace(), `berth.service=${serviceId}`), []);
    assert.deepEqual(await client.listPods(namespace(), `berth.worker-of=${serviceId}`), [], 'no worker pods');
    assert.equal(
      kubectl('-n', namespace(), 'get', 'deployments', '-l', `berth.service=${serviceId}`, '-o', 'name'),
      '',
    );
    assert.equal(kubectl('-n', namespace(), 'get', 'secrets', '-l', `berth.service=${serviceId}`, '-o', 'name'), '');
    assert.equal((await get(h.proxyPort, HOST, '/')).status, 404, 'the hostname is no longer routed');
    const project = await h.api('DELETE', `/projects/${projectId}`, { confirm: 'kube' });
    assert.equal(project.status, 200, JSON.stringify(project.body));
    assert.equal(await client.hasNamespace(namespace()), false);
  });
});
