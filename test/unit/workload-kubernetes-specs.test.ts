/**
 * The Kubernetes objects of an app service, given inputs → exactly these objects (as the Docker builders'
 * tests in workload-specs.test.ts): the project's Namespace, the deployment's variables Secret, the
 * Deployment (replicas, resources, probe, rolling update, drain) and the Service; and names that are valid
 * Kubernetes names for every name and id Berth allows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appDeploymentName,
  appServiceName,
  deploymentSecretName,
  projectNamespaceName,
} from '../../src/workloads/kubernetes-names.js';
import {
  appDeploymentObject,
  appObjects,
  appServiceObject,
  containerResources,
  deploymentSecretObject,
  namespaceObject,
  readinessProbe,
  rolloutTimingOf,
  type KubernetesAppWorkload,
} from '../../src/workloads/kubernetes-spec.js';

const project = { id: 'prj_0123456789ab', name: 'shop', networkName: 'berth-prj_0123456789ab' };
const timing = { minReadySeconds: 3, preStopSeconds: 5, drainSeconds: 30 };

function workload(overrides: Partial<KubernetesAppWorkload> = {}): KubernetesAppWorkload {
  return {
    project,
    service: { id: 'svc_abcdefghjkmn', name: 'web', resources: { memoryMb: 512, cpus: 0.5 } },
    deploymentId: 'dep_k7m2x9q4b8c1',
    image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
    env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://app:pw@db:5432/app' },
    replicas: 2,
    port: 3000,
    healthcheck: { type: 'http', path: '/up', expectedStatus: 200, timeoutSeconds: 60 },
    imagePullPolicy: 'Never',
    ...overrides,
  };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

// RFC 1123 label (namespaces), RFC 1035 label (Services), RFC 1123 subdomain (Secrets, Deployments).
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

describe('kubernetes names', () => {
  it('namespace per project id, Deployment and Service by service name, a Secret per deployment', () => {
    assert.equal(projectNamespaceName('prj_0123456789ab'), 'berth-prj-0123456789ab');
    assert.equal(appDeploymentName('web'), 'web');
    assert.equal(appServiceName('web'), 'web');
    assert.equal(deploymentSecretName('web', 'dep_k7m2x9q4b8c1'), 'web-vars-k7m2x9q4b8c1');
    // The whole id: two deployments never share (and so never try to rewrite) an immutable Secret.
    assert.notEqual(deploymentSecretName('web', 'dep_v00000000001'), deploymentSecretName('web', 'dep_v00000000002'));
  });

  it('are valid Kubernetes names for the longest and oddest names and ids Berth allows', () => {
    const longest = `a${'-b'.repeat(31)}`; // 63 characters, single dashes
    assert.equal(longest.length, 63);
    for (const id of ['prj_000000000000', 'prj_zzzzzzzzzzzz']) assert.match(projectNamespaceName(id), DNS_LABEL);
    for (const name of [longest, 'a', 'web-1']) {
      assert.match(appServiceName(name), DNS_1035_LABEL);
      assert.match(appDeploymentName(name), DNS_LABEL);
      assert.ok(deploymentSecretName(name, 'dep_zzzzzzzzzzzz').length <= 253);
      assert.match(deploymentSecretName(name, 'dep_zzzzzzzzzzzz'), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    for (const object of appObjects(workload(), timing)) {
      for (const value of Object.values(object.metadata.labels ?? {})) assert.match(value, LABEL_VALUE);
    }
  });
});

describe('kubernetes app objects', () => {
  it('namespace: named by the project id, with the project labels', () => {
    assert.deepEqual(namespaceObject(project), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
    });
  });

  it("secret: the deployment's variables byte for byte (base64), immutable, without PORT", () => {
    const env = { A: 'x y\nz', EMPTY: '', UNICODE: 'grüße ✓', PORT: '9999' };
    assert.deepEqual(deploymentSecretObject(workload({ env })), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'web-vars-k7m2x9q4b8c1',
        namespace: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'berth.service': 'svc_abcdefghjkmn',
          'berth.deployment': 'dep_k7m2x9q4b8c1',
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
      type: 'Opaque',
      immutable: true,
      data: { A: b64('x y\nz'), EMPTY: '', UNICODE: b64('grüße ✓') },
    });
  });

  it('deployment: replicas, limits, PORT and the Secret, readiness probe, rolling update, drain', () => {
    assert.deepEqual(appDeploymentObject(workload(), timing), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'berth.service': 'svc_abcdefghjkmn',
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { 'berth.service': 'svc_abcdefghjkmn' } },
        minReadySeconds: 3,
        progressDeadlineSeconds: 73,
        revisionHistoryLimit: 3,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: {
              'berth.managed': 'true',
              'berth.project': 'prj_0123456789ab',
              'berth.service': 'svc_abcdefghjkmn',
              'berth.deployment': 'dep_k7m2x9q4b8c1',
              'berth.port': '3000',
              'app.kubernetes.io/managed-by': 'berth',
            },
          },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
                imagePullPolicy: 'Never',
                ports: [{ name: 'http', containerPort: 3000, protocol: 'TCP' }],
                env: [{ name: 'PORT', value: '3000' }],
                envFrom: [{ secretRef: { name: 'web-vars-k7m2x9q4b8c1' } }],
                resources: {
                  limits: { cpu: '500m', memory: '512Mi' },
                  requests: { cpu: '500m', memory: '512Mi' },
                },
                readinessProbe: {
                  httpGet: { path: '/up', port: 'http', scheme: 'HTTP' },
                  initialDelaySeconds: 0,
                  periodSeconds: 1,
                  timeoutSeconds: 2,
                  successThreshold: 1,
                  failureThreshold: 3,
                },
                lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              },
            ],
            terminationGracePeriodSeconds: 35,
            enableServiceLinks: false,
            automountServiceAccountToken: false,
          },
        },
      },
    });
  });

  it('service: ClusterIP on the app port, selecting every pod of the service', () => {
    assert.deepEqual(appServiceObject(workload({ port: 8080 })), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'berth-prj-0123456789ab',
        labels: {
          'berth.managed': 'true',
          'berth.project': 'prj_0123456789ab',
          'berth.service': 'svc_abcdefghjkmn',
          'app.kubernetes.io/managed-by': 'berth',
        },
      },
      spec: {
        type: 'ClusterIP',
        selector: { 'berth.service': 'svc_abcdefghjkmn' },
        ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  });

  it('a redeploy changes the pod template (a rollout) but never the selector (immutable in the API)', () => {
    const first = appDeploymentObject(workload(), timing);
    const second = appDeploymentObject(
      workload({ deploymentId: 'dep_zzzzzzzz0000', image: 'berth/svc_abcdefghjkmn:dep_zzzzzzzz0000' }),
      timing,
    );
    assert.deepEqual(second.spec.selector, first.spec.selector);
    assert.deepEqual(second.metadata, first.metadata);
    assert.notDeepEqual(second.spec.template, first.spec.template);
    assert.deepEqual(second.spec.template.spec.containers[0]?.envFrom, [
      { secretRef: { name: 'web-vars-zzzzzzzz0000' } },
    ]);
  });

  it('apply order: namespace, secret, deployment, service', () => {
    assert.deepEqual(
      appObjects(workload(), timing).map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      [
        'Namespace//berth-prj-0123456789ab',
        'Secret/berth-prj-0123456789ab/web-vars-k7m2x9q4b8c1',
        'Deployment/berth-prj-0123456789ab/web',
        'Service/berth-prj-0123456789ab/web',
      ],
    );
  });
});

describe('kubernetes probe, resources and timing', () => {
  it('TCP checks, and HTTP checks expecting a status Kubernetes does not count as success, probe the port', () => {
    const tcp = readinessProbe({ type: 'tcp', timeoutSeconds: 30 });
    assert.deepEqual(tcp, {
      tcpSocket: { port: 'http' },
      initialDelaySeconds: 0,
      periodSeconds: 1,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.deepEqual(readinessProbe({ type: 'http', path: '/', expectedStatus: 401, timeoutSeconds: 30 }), tcp);
    assert.deepEqual(readinessProbe({ type: 'http', path: '/r', expectedStatus: 302, timeoutSeconds: 30 }), {
      httpGet: { path: '/r', port: 'http', scheme: 'HTTP' },
      initialDelaySeconds: 0,
      periodSeconds: 1,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it('resources: none set → no block; only one set → only that one; fractional CPUs in millicores', () => {
    assert.deepEqual(containerResources({}), {});
    assert.deepEqual(containerResources({ memoryMb: null, cpus: null }), {});
    assert.deepEqual(containerResources({ memoryMb: 256 }), {
      limits: { memory: '256Mi' },
      requests: { memory: '256Mi' },
    });
    assert.deepEqual(containerResources({ cpus: 1.25 }), { limits: { cpu: '1250m' }, requests: { cpu: '1250m' } });
    assert.deepEqual(
      appDeploymentObject(workload({ service: { ...workload().service, resources: {} } }), timing).spec.template.spec
        .containers[0]?.resources,
      {},
    );
  });

  it("rollout timing from Berth's stabilisation and drain settings, rounded up to whole seconds", () => {
    assert.deepEqual(rolloutTimingOf({ stabilisationMs: 3000, drainTimeoutMs: 30_000 }), {
      minReadySeconds: 3,
      preStopSeconds: 5,
      drainSeconds: 30,
    });
    assert.deepEqual(rolloutTimingOf({ stabilisationMs: 0, drainTimeoutMs: 1500 }), {
      minReadySeconds: 0,
      preStopSeconds: 5,
      drainSeconds: 2,
    });
  });
});
