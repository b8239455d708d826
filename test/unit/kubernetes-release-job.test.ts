/**
 * The release command's Job, given inputs → exactly this object (pure), and the line splitter of a
 * followed pod log (src/runtime/kubernetes/line-stream.ts): whole lines, characters split between chunks
 * joined, an endless line passed on in bounded pieces, and an abort that ends the follow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followLines, MAX_LOG_LINE_CHARS } from '../../src/runtime/kubernetes/line-stream.js';
import { registryPullSecretObject } from '../../src/workloads/kubernetes-pull-secret.js';
import { releaseJobName, releaseJobObject } from '../../src/workloads/kubernetes-release-job.js';
import { appDeploymentObject, type KubernetesAppWorkload } from '../../src/workloads/kubernetes-spec.js';

const workload: KubernetesAppWorkload = {
  project: { id: 'prj_0123456789ab', name: 'shop', networkName: 'berth-prj_0123456789ab' },
  service: { id: 'svc_abcdefghjkmn', name: 'web', resources: { memoryMb: 512 } },
  deploymentId: 'dep_k7m2x9q4b8c1',
  image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
  env: { A: 'b' },
  replicas: 2,
  port: 3000,
  healthcheck: { type: 'tcp', timeoutSeconds: 30 },
  imagePullPolicy: 'Never',
};

describe('release Job', () => {
  it('runs the command once in the new image with the deployment Secret, never adopted or routed', () => {
    assert.equal(releaseJobName('dep_k7m2x9q4b8c1'), 'release-k7m2x9q4b8c1');
    assert.deepEqual(releaseJobObject(workload, ['sh', '-c', 'migrate up'], 300), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'release-k7m2x9q4b8c1',
        namespace: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'berth.service': 'svc_abcdefghjkmn',
          'berth.deployment': 'dep_k7m2x9q4b8c1',
          'berth.role': 'release',
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 300,
        template: {
          metadata: {
            labels: {
              'berth.managed': 'true',
              'berth.project': 'prj_0123456789ab',
              'berth.deployment': 'dep_k7m2x9q4b8c1',
              'berth.role': 'release',
              'app.kubernetes.io/managed-by': 'berth',
            },
          },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
                imagePullPolicy: 'Never',
                args: ['sh', '-c', 'migrate up'],
                env: [{ name: 'PORT', value: '3000' }],
                envFrom: [{ secretRef: { name: 'web-vars-k7m2x9q4b8c1' } }],
                resources: { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } },
              },
            ],
            restartPolicy: 'Never',
            enableServiceLinks: false,
            automountServiceAccountToken: false,
          },
        },
      },
    });
    // The Deployment (and the Service) select by the service label: the release pod has none.
    const selector = appDeploymentObject(workload, { minReadySeconds: 1, preStopSeconds: 5, drainSeconds: 5 }).spec
      .selector.matchLabels;
    const podLabels: Record<string, string> = releaseJobObject(workload, ['true'], 60).spec.template.metadata.labels;
    assert.ok(Object.entries(selector).some(([key, value]) => podLabels[key] !== value));
  });
});

describe('registry pull Secret', () => {
  it('is a dockerconfigjson Secret of the registry host and credentials, named in the pods of a registry image', () => {
    const secret = registryPullSecretObject('prj_0123456789ab', {
      host: '127.0.0.1:5000',
      username: 'berth',
      password: 'p@ss',
    });
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(secret.metadata.name, 'berth-registry-pull');
    assert.equal(secret.metadata.namespace, 'berth-prj-0123456789ab');
    assert.equal(secret.immutable, false);
    assert.deepEqual(JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString('utf8')), {
      auths: {
        '127.0.0.1:5000': { username: 'berth', password: 'p@ss', auth: Buffer.from('berth:p@ss').toString('base64') },
      },
    });
    const job = releaseJobObject({ ...workload, pullSecretName: 'berth-registry-pull' }, ['true'], 60);
    assert.deepEqual(job.spec.template.spec.imagePullSecrets, [{ name: 'berth-registry-pull' }]);
  });
});

describe('followed log lines', () => {
  it('splits chunks into lines, joins split characters, bounds a line without end, and ends with the stream', async () => {
    const lines: string[] = [];
    const ship = Buffer.from('née 🚢\n', 'utf8');
    await followLines(
      async (sink) => {
        sink.write(Buffer.from('one\ntw'));
        sink.write(Buffer.from('o\n'));
        sink.write(ship.subarray(0, 7));
        sink.write(ship.subarray(7));
        sink.write(Buffer.from('x'.repeat(MAX_LOG_LINE_CHARS + 10)));
        sink.end(Buffer.from('\nlast without newline'));
        return { abort: () => assert.fail('not aborted') };
      },
      (line) => lines.push(line),
      undefined,
    );
    assert.deepEqual(lines, [
      'one',
      'two',
      'née 🚢',
      'x'.repeat(MAX_LOG_LINE_CHARS),
      'x'.repeat(10),
      'last without newline',
    ]);
  });

  it('an abort ends the follow and aborts the request', async () => {
    const controller = new AbortController();
    let isAborted = false;
    const following = followLines(
      async (sink) => {
        sink.write(Buffer.from('first\n'));
        return { abort: () => (isAborted = true) };
      },
      () => controller.abort(),
      controller.signal,
    );
    await following;
    assert.equal(isAborted, true);
  });
});
