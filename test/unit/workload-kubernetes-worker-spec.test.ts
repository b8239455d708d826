/**
 * The cluster's worker Deployments and cron run Jobs, given inputs → exactly these objects (pure:
 * src/workloads/kubernetes-worker-spec.ts, src/workloads/kubernetes-cron-job.ts): a worker pod is never
 * selected by the web Deployment or Service (no `berth.service` on it), a cron pod neither, and names stay
 * apart from every service's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronJobName, cronJobObject } from '../../src/workloads/kubernetes-cron-job.js';
import {
  appDeploymentObject,
  appServiceObject,
  type KubernetesAppWorkload,
} from '../../src/workloads/kubernetes-spec.js';
import {
  workerDeploymentName,
  workerDeploymentObject,
  workerDeploymentObjects,
} from '../../src/workloads/kubernetes-worker-spec.js';

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
const timing = { minReadySeconds: 3, preStopSeconds: 5, drainSeconds: 30 };

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('worker Deployment', () => {
  it('runs the type command with the deployment Secret, no port, no probe, its replicas', () => {
    const object = workerDeploymentObject(
      workload,
      { type: 'queue_high', argv: ['node', 'work.js'], replicas: 2 },
      timing,
    );
    assert.deepEqual(object, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web--queue-high',
        namespace: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'berth.service': 'svc_abcdefghjkmn',
          'berth.role': 'worker',
          'berth.process': 'queue_high',
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { 'berth.worker-of': 'svc_abcdefghjkmn', 'berth.process': 'queue_high' } },
        minReadySeconds: 3,
        progressDeadlineSeconds: 33,
        revisionHistoryLimit: 3,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: {
              'berth.managed': 'true',
              'berth.project': 'prj_0123456789ab',
              'berth.deployment': 'dep_k7m2x9q4b8c1',
              'berth.role': 'worker',
              'berth.process': 'queue_high',
              'berth.worker-of': 'svc_abcdefghjkmn',
              'app.kubernetes.io/managed-by': 'berth',
            },
          },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
                imagePullPolicy: 'Never',
                args: ['node', 'work.js'],
                ports: [],
                env: [],
                envFrom: [{ secretRef: { name: 'web-vars-k7m2x9q4b8c1' } }],
                resources: { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } },
              },
            ],
            terminationGracePeriodSeconds: 10,
            enableServiceLinks: false,
            automountServiceAccountToken: false,
          },
        },
      },
    });
  });

  it('is never selected by the web Deployment or Service, and the web pods never by it', () => {
    const [worker] = workerDeploymentObjects(workload, [{ type: 'worker', argv: ['w'], replicas: 1 }], timing);
    const web = appDeploymentObject(workload, timing);
    const workerPod = worker!.spec.template.metadata.labels;
    assert.equal(selects(web.spec.selector.matchLabels, workerPod), false);
    assert.equal(selects(appServiceObject(workload).spec.selector, workerPod), false);
    assert.equal(selects(worker!.spec.selector.matchLabels, web.spec.template.metadata.labels), false);
    // The runtime log API reads a deployment's pods by this label: the workers' lines come with the web's.
    assert.equal(workerPod['berth.deployment'], 'dep_k7m2x9q4b8c1');
  });

  it('is named apart from any service (service names never have two dashes in a row)', () => {
    assert.equal(workerDeploymentName('api', 'worker'), 'api--worker');
    assert.notEqual(workerDeploymentName('api', 'worker'), 'api-worker');
  });

  it('carries the registry pull Secret when the image needs one', () => {
    const object = workerDeploymentObject(
      { ...workload, pullSecretName: 'berth-registry-pull', imagePullPolicy: 'IfNotPresent' },
      { type: 'worker', argv: ['w'], replicas: 0 },
      timing,
    );
    assert.deepEqual(object.spec.template.spec.imagePullSecrets, [{ name: 'berth-registry-pull' }]);
    assert.equal(object.spec.replicas, 0);
  });
});

describe('cron run Job', () => {
  it("runs the job's command once in the active release, with its timeout as the deadline", () => {
    const run = {
      project: workload.project,
      service: workload.service,
      deploymentId: workload.deploymentId,
      image: workload.image,
      imagePullPolicy: 'Never' as const,
      jobId: 'crj_0000aaaabbbb',
      runId: 'crr_1111ccccdddd',
      command: { shell: 'echo hi && exit 3' },
      timeoutSeconds: 60,
    };
    assert.equal(cronJobName(run.runId), 'cron-1111ccccdddd');
    const cron = { 'berth.role': 'cron', 'berth.cron-job': 'crj_0000aaaabbbb', 'berth.cron-run': 'crr_1111ccccdddd' };
    assert.deepEqual(cronJobObject(run), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'cron-1111ccccdddd',
        namespace: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'berth.service': 'svc_abcdefghjkmn',
          ...cron,
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 60,
        ttlSecondsAfterFinished: 300,
        template: {
          metadata: {
            labels: {
              'berth.managed': 'true',
              'berth.project': 'prj_0123456789ab',
              ...cron,
              'app.kubernetes.io/managed-by': 'berth',
            },
          },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
                imagePullPolicy: 'Never',
                args: ['/bin/sh', '-c', 'echo hi && exit 3'],
                env: [],
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
  });
});
