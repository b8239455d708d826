/**
 * The rest of an app's life on a REAL single-node cluster (scripts/k8s/cluster.sh), with
 * BERTH_SCHEDULER=kubernetes and BERTH_IMAGE_REGISTRY set (Debian's docker-registry with credentials):
 * the release command runs as a Job (its lines in the deployment log, a failing one fails the deploy and
 * the old version keeps answering, the Job is gone afterwards either way); the pod pulls its image from
 * the registry (the local copy removed, the pod replaced); the live state (ready/wanted, a restart
 * reported as a crash with its exit code and last lines) and the live log follow (the restarted
 * container's lines arrive while the follow runs); old variables Secrets go by the retention rule; and
 * the downloaded manifests `kubectl apply` cleanly into a fresh namespace where the app answers (its image
 * pulled with the exported pull Secret once its password is filled in) and the project's Postgres comes up
 * (its exported Secret's password filled in, a volume made for its claim as a cluster admin would); and
 * autoscaling by request rate raises the Deployment to its maximum under a bounded load and back. The
 * cluster uses fixed ports and the host's iptables: the file runs alone, and stops the cluster in after().
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKubernetesClient, type KubernetesClient } from '../../src/runtime/kubernetes/client.js';
import { deploymentSecretName, projectNamespaceName } from '../../src/workloads/kubernetes-names.js';
import { createFixtureService, hasImage } from '../helpers/daemon-api.js';
import { fixtureFiles, startHarness, type Harness } from '../helpers/deploy-harness.js';
import { RUN_ID } from '../helpers/docker-test-env.js';
import { startGitServer, type GitServer, type TestRepo } from '../helpers/git-server.js';
import { startTestRegistry, type TestRegistry } from '../helpers/image-registry.js';
import { KUBECTL, startTestCluster, type TestCluster } from '../helpers/test-cluster.js';
import { get, startLoad } from '../helpers/load.js';

const HOST = 'web-ops.localhost';
const CREDENTIALS = { username: 'berth', password: `pull-${RUN_ID}` };
const GOOD_RELEASE = `node -e "console.log('migrating for', process.env.GREETING, 'on', process.env.PORT)"`;
const BAD_RELEASE = `node -e "console.log('migration failed'); process.exit(3)"`;

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

interface State {
  state: string;
  running: number;
  total: number;
  crash: { replica: string; exitCode: number | null; restartCount: number; lastLines: string[] } | null;
}

describe(
  'app life on a real single-node cluster: release Jobs, registry pulls, live state and logs, eject',
  { timeout: 900_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-k8s-ops-'));
    let h: Harness;
    let git: GitServer;
    let repo: TestRepo;
    let registry: TestRegistry;
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
    const logOf = async (id: string) =>
      (await h.api<{ lines: string[] }>('GET', `/deployments/${id}/logs`)).body.lines.join('\n');
    const answer = async (path = '/') => (await get(h.proxyPort, HOST, path)).body;
    const kubectl = (...args: string[]) => cluster!.kubectl(...args);
    const namespace = () => projectNamespaceName(projectId);
    const state = async () => (await h.api<State>('GET', `/services/${serviceId}/status`)).body;

    before(async () => {
      registry = await startTestRegistry(CREDENTIALS);
      writeFileSync(join(dir, 'password'), `${CREDENTIALS.password}\n`, { mode: 0o600 });
      cluster = startTestCluster('ops');
      kubeconfig = cluster.kubeconfig;
      client = createKubernetesClient(kubeconfig);
      git = await startGitServer();
      repo = await git.createRepo('kube-ops', { ...fixtureFiles('dockerfile-app'), VERSION: 'v1\n' });
      h = await startHarness({
        BERTH_SCHEDULER: 'kubernetes',
        BERTH_KUBECONFIG: kubeconfig,
        BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS: '120',
        BERTH_STABILISATION_SECONDS: '1',
        BERTH_DRAIN_TIMEOUT_SECONDS: '5',
        BERTH_IMAGE_REGISTRY: `${registry.host}/berth-${RUN_ID.toLowerCase()}`,
        BERTH_IMAGE_REGISTRY_USERNAME: CREDENTIALS.username,
        BERTH_IMAGE_REGISTRY_PASSWORD_FILE: join(dir, 'password'),
        BERTH_AUTOSCALE_INTERVAL_SECONDS: '2',
        BERTH_AUTOSCALE_WINDOW_SECONDS: '20',
        BERTH_KUBERNETES_HOSTPATH_DIR: join(cluster.runDir, 'volumes'),
        BERTH_KUBERNETES_DATABASE_SIZE: '1Gi',
        BERTH_DB_IMAGE_POSTGRES: 'berth-test/postgres:15',
      });
    });

    after(async () => {
      await h?.close();
      await git?.close();
      await cluster?.stop();
      await registry?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('runs the release command as a Job before the rollout: its lines in the deployment log, then it is deleted', async () => {
      ({ projectId, serviceId } = await createFixtureService(h.api, {
        project: 'ops',
        service: 'web',
        repoUrl: repo.url,
      }));
      assert.equal((await h.api('PUT', `/services/${serviceId}/variables`, { GREETING: 'hello' })).status, 200);
      const patched = await h.api('PATCH', `/services/${serviceId}`, { releaseCommand: GOOD_RELEASE });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const deployment = await deploy();
      assert.equal(deployment.status, 'active', String(deployment.error));
      deploymentOf.v1 = deployment.id as string;
      const log = await logOf(deploymentOf.v1);
      assert.match(log, /Running the release command as Job berth-prj-\w+\/release-\w+/);
      assert.match(log, /release \| migrating for hello on 3000/, 'the variables Secret and PORT reach the Job');
      assert.ok(
        log.indexOf('The release command succeeded.') < log.indexOf('Applying Deployment'),
        'before the rollout',
      );
      assert.equal(kubectl('-n', namespace(), 'get', 'jobs', '-o', 'name'), '', 'the Job is deleted');
      assert.equal(await answer(), 'v1');
    });

    it('a failing release command fails the deploy before the rollout; the old version keeps answering', async () => {
      await h.api('PATCH', `/services/${serviceId}`, { releaseCommand: BAD_RELEASE });
      await repo.commit({ VERSION: 'v2\n' }, 'release v2');
      const deployment = await deploy();
      deploymentOf.v2 = deployment.id as string;
      assert.equal(deployment.status, 'failed');
      assert.equal(deployment.error, 'The release command exited with code 3.');
      const log = await logOf(deploymentOf.v2);
      assert.match(log, /release \| migration failed/);
      assert.doesNotMatch(log, /Applying Deployment/, 'the Deployment was never touched');
      assert.equal(await answer(), 'v1');
      assert.equal(kubectl('-n', namespace(), 'get', 'jobs', '-o', 'name'), '', 'the failed Job is deleted too');
      const pods = await client.listPods(namespace(), `berth.deployment=${deploymentOf.v1}`);
      assert.equal(pods.length, 1, 'the v1 pod still runs');
    });

    it("a successful deploy removes the variables Secrets the retention rule does not keep (the failed one's)", async () => {
      await h.api('PATCH', `/services/${serviceId}`, { releaseCommand: GOOD_RELEASE });
      await repo.commit({ VERSION: 'v3\n' }, 'release v3');
      const deployment = await deploy();
      assert.equal(deployment.status, 'active', String(deployment.error));
      deploymentOf.v3 = deployment.id as string;
      await until('v3 answers', async () => (await answer()) === 'v3', 15_000);
      const secrets = () =>
        kubectl('-n', namespace(), 'get', 'secrets', '-l', `berth.service=${serviceId}`, '-o', 'name')
          .split('\n')
          .sort();
      const kept = [deploymentOf.v1, deploymentOf.v3].map((id) => `secret/${deploymentSecretName('web', id!)}`).sort();
      // The clean-up runs right after the switch, so the deployment can read active a moment before it ends.
      await until('the old Secrets removed', async () => secrets().join() === kept.join(), 15_000).catch(
        () => undefined,
      );
      assert.deepEqual(secrets(), kept);
    });

    it('the pod pulls its image from the registry: the local copy removed, a replaced pod still starts', async () => {
      const deployment = await h.api<{ image: string }>('GET', `/deployments/${deploymentOf.v3}`);
      const image = deployment.body.image;
      assert.ok(image.startsWith(`${registry.host}/`), image);
      const [pod] = await client.listPods(namespace(), `berth.deployment=${deploymentOf.v3}`);
      assert.ok(pod);
      const spec = JSON.parse(kubectl('-n', namespace(), 'get', 'pod', pod.name, '-o', 'json')) as {
        spec: { imagePullSecrets: { name: string }[]; containers: { imagePullPolicy: string }[] };
      };
      assert.deepEqual(spec.spec.imagePullSecrets, [{ name: 'berth-registry-pull' }]);
      assert.equal(spec.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
      // The running container keeps its layers; only the name goes, so the kubelet must pull it again.
      execFileSync('docker', ['image', 'rm', '--force', image], { stdio: 'ignore' });
      assert.equal(await hasImage(image), false);
      kubectl('-n', namespace(), 'delete', 'pod', pod.name, '--wait=false');
      await until(
        'a replacement pod is ready',
        async () =>
          (await client.listPods(namespace(), `berth.deployment=${deploymentOf.v3}`)).some(
            (p) => p.name !== pod.name && p.isReady && !p.isTerminating,
          ),
        120_000,
      );
      assert.equal(await hasImage(image), true, 'pulled from the registry');
      const events = kubectl('-n', namespace(), 'get', 'events', '-o', 'jsonpath={.items[*].message}');
      assert.match(events, new RegExp(`Successfully pulled image "${image.replace(/[.]/g, '\\.')}"`));
      await until('the replacement answers', async () => (await answer()) === 'v3', 15_000);
    });

    it('reports the app as running (ready of wanted), a restart as a crash with its exit code, and follows the log live', async () => {
      await until('one ready pod', async () => {
        const s = await state();
        return s.state === 'running' && s.running === 1 && s.total === 1;
      });
      // A live follow of the runtime log, open while the container is killed and restarted by the kubelet.
      const lines: string[] = [];
      const request = http.get({
        host: '127.0.0.1',
        port: new URL(h.panelUrl).port,
        path: `/api/v1/services/${serviceId}/logs?follow=true&tail=5`,
        headers: { authorization: `Bearer ${h.token}` },
      });
      request.on('response', (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
      });
      request.on('error', () => {});
      try {
        const listening = () => lines.filter((line) => /dockerfile-app v3 listening/.test(line)).length;
        await until('the tail of the log', async () => listening() === 1, 15_000);
        const [pod] = (await client.listPods(namespace(), `berth.deployment=${deploymentOf.v3}`)).filter(
          (p) => !p.isTerminating,
        );
        const container = execFileSync(
          'docker',
          [
            'ps',
            '-q',
            '--filter',
            `label=io.kubernetes.pod.name=${pod!.name}`,
            '--filter',
            'label=io.kubernetes.container.name=app',
          ],
          { encoding: 'utf8' },
        ).trim();
        assert.ok(container, 'the pod has its app container on the engine');
        execFileSync('docker', ['kill', container], { stdio: 'ignore' });
        let crashed: State | undefined;
        await until('the restart is reported', async () => {
          const s = await state();
          if (s.state === 'crashed') crashed = s;
          return crashed !== undefined;
        });
        assert.equal(crashed!.crash?.replica, pod!.name);
        assert.equal(crashed!.crash?.exitCode, 137);
        assert.ok((crashed!.crash?.restartCount ?? 0) >= 1);
        assert.match(crashed!.crash!.lastLines.join('\n'), /dockerfile-app v3 listening/, "the dead container's lines");
        await until('the restarted container speaks in the followed log', async () => listening() === 2, 30_000);
        await until('running again after the crash window', async () => (await state()).state === 'running', 30_000);
      } finally {
        request.destroy();
      }
    });

    it('the downloaded manifests apply cleanly into a fresh namespace: the app answers, its database comes up', async () => {
      const created = await h.api<{ id: string; status: string; lastError: string | null }>(
        'POST',
        `/projects/${projectId}/databases`,
        { name: 'pg', engine: 'postgres' },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const dbId = created.body.id;
      const set = dbId.replace('_', '-');
      await until(
        'the database running',
        async () => (await h.api<{ status: string }>('GET', `/databases/${dbId}`)).body.status !== 'creating',
        120_000,
      );
      const db = (await h.api<{ status: string; lastError: string | null }>('GET', `/databases/${dbId}`)).body;
      assert.equal(db.status, 'running', String(db.lastError));
      const response = await fetch(`${h.panelUrl}/api/v1/projects/${projectId}/kubernetes.yaml`, {
        headers: { authorization: `Bearer ${h.token}` },
      });
      assert.equal(response.status, 200);
      const fresh = `eject-${RUN_ID.toLowerCase()}`.slice(0, 63);
      let yaml = (await response.text()).replaceAll(namespace(), fresh);
      assert.doesNotMatch(yaml, new RegExp(CREDENTIALS.password), 'no registry password in the download');
      assert.doesNotMatch(yaml, /kind: PersistentVolume\n/, 'no hostPath volume');
      // What the header asks for: the pull Secret's password and the database's, filled in before applying.
      const image = (await h.api<{ image: string }>('GET', `/deployments/${deploymentOf.v3}`)).body.image;
      const auth = Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64');
      const dockerConfig = { auths: { [registry.host]: { ...CREDENTIALS, auth } } };
      const pullData = /^ {2}\.dockerconfigjson: (\S+)$/m;
      const exported = JSON.parse(Buffer.from(pullData.exec(yaml)![1]!, 'base64').toString('utf8')) as {
        auths: Record<string, { username: string; password: string }>;
      };
      assert.deepEqual(exported.auths[registry.host], {
        username: CREDENTIALS.username,
        password: '',
        auth: Buffer.from(`${CREDENTIALS.username}:`).toString('base64'),
      });
      yaml = yaml.replace(
        pullData,
        `  .dockerconfigjson: ${Buffer.from(JSON.stringify(dockerConfig)).toString('base64')}`,
      );
      const password = `eject-${RUN_ID}`;
      assert.match(yaml, /^ {2}POSTGRES_PASSWORD: ""$/m);
      yaml = yaml.replace(
        /^ {2}POSTGRES_PASSWORD: ""$/m,
        `  POSTGRES_PASSWORD: ${Buffer.from(password).toString('base64')}`,
      );
      // A volume for the claim, as the target cluster's admin (or its default StorageClass) would provide.
      const volume = `eject-${RUN_ID.toLowerCase()}-pg`;
      const pv = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: volume },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: '',
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: join(cluster!.runDir, 'eject-volume'), type: 'DirectoryOrCreate' },
          claimRef: { namespace: fresh, name: `data-${set}-0` },
        },
      };
      // The image must come from the registry, with the filled-in pull Secret.
      execFileSync('docker', ['image', 'rm', '--force', image], { stdio: 'ignore' });
      const apply = (input: string) =>
        execFileSync(KUBECTL, ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { input, encoding: 'utf8' });
      apply(JSON.stringify(pv));
      const applied = apply(yaml);
      assert.match(applied, new RegExp(`namespace/${fresh} created`));
      assert.match(applied, /deployment.apps\/web created/);
      assert.match(applied, new RegExp(`statefulset.apps/${set} created`));
      assert.match(applied, /secret\/berth-registry-pull created/);
      try {
        kubectl('-n', fresh, 'rollout', 'status', 'deployment/web', '--timeout=120s');
        const ip = kubectl('-n', fresh, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].addresses[0].ip}');
        const body = await (await fetch(`http://${ip}:3000/`)).text();
        assert.equal(body, 'v3');
        assert.equal(await hasImage(image), true, 'pulled from the registry with the filled-in Secret');
        kubectl('-n', fresh, 'rollout', 'status', `statefulset/${set}`, '--timeout=120s');
        const psql = (pw: string) =>
          kubectl(
            '-n',
            fresh,
            'exec',
            `${set}-0`,
            '--',
            'env',
            `PGPASSWORD=${pw}`,
            'psql',
            '-h',
            '127.0.0.1',
            '-U',
            'app',
            '-d',
            'app',
            '-tAc',
            'select 41 + 1',
          );
        assert.equal(psql(password), '42');
        assert.throws(() => psql('wrong'), /password authentication failed/);
      } finally {
        kubectl('delete', 'namespace', fresh, '--wait=false');
      }
    });

    it('autoscaling on the cluster: a bounded load raises the Deployment to its maximum, then back after the cool-down', async () => {
      const replicas = (field: 'spec.replicas' | 'status.readyReplicas') =>
        Number(kubectl('-n', namespace(), 'get', 'deployment', 'web', '-o', `jsonpath={.${field}}`) || '0');
      const activeTrigger = async () =>
        (
          await h.api<Array<{ status: string; trigger: string }>>('GET', `/services/${serviceId}/deployments`)
        ).body.find((d) => d.status === 'active')?.trigger;
      const set = await h.api('PUT', `/services/${serviceId}/autoscaling`, {
        minReplicas: 1,
        maxReplicas: 3,
        metric: 'requests',
        target: 5,
        cooldownSeconds: 10,
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const load = startLoad({ port: h.proxyPort, host: HOST, connections: 4, maxSeconds: 240, maxRequests: 300_000 });
      try {
        await until(
          'an autoscale deployment with 3 ready pods',
          async () => (await activeTrigger()) === 'autoscale' && replicas('status.readyReplicas') === 3,
          200_000,
        );
      } finally {
        const result = await load.stop();
        assert.equal(result.failed, 0, `failed requests during the scale-up: ${result.errors.slice(0, 5).join('; ')}`);
        assert.ok(result.ok > 100, `the load ran (${result.ok} requests)`);
      }
      assert.equal(replicas('spec.replicas'), 3, 'the maximum, never beyond');
      await until(
        'a scale-down to 1 pod once the traffic stopped',
        async () => replicas('spec.replicas') === 1,
        200_000,
      );
      // The undo: deleting the policy stops autoscaling and leaves the count where it is.
      assert.equal((await h.api('DELETE', `/services/${serviceId}/autoscaling`)).status, 204);
      assert.equal(replicas('spec.replicas'), 1);
    });
  },
);
