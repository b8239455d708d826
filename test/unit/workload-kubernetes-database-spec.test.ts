/**
 * The Kubernetes objects of a managed database (src/workloads/kubernetes-database-spec.ts), as exact
 * values for the parts Berth's promises rest on, and the env file pod-exec.ts stages for a tool.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envFileText } from '../../src/runtime/kubernetes/pod-exec.js';
import {
  databaseClaimName,
  databaseObjects,
  databasePodName,
  scratchDatabaseObjects,
  type KubernetesDatabase,
} from '../../src/workloads/kubernetes-database-spec.js';
import type { EngineContainer } from '../../src/workloads/database-spec.js';

/** The objects as plain JSON, to read any field in an assertion. */
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DATABASE: KubernetesDatabase = {
  id: 'svc_0123456789ab',
  projectId: 'prj_aaaaaaaaaaaa',
  environmentId: 'env_bbbbbbbbbbbb',
  name: 'pg',
  image: 'postgres:16',
  memoryMb: 256,
  cpus: null,
  imagePullPolicy: 'IfNotPresent',
};
const ENGINE: EngineContainer = {
  cmd: undefined,
  env: { POSTGRES_PASSWORD: 's3cret', POSTGRES_USER: 'app' },
  files: [{ directory: '/etc/berth', name: 'server.conf', content: 'requirepass s3cret\n', mode: 0o600 }],
  healthcheck: ['pg_isready', '-h', '127.0.0.1'],
  dataDir: '/var/lib/postgresql/data',
  port: 5432,
};

describe('kubernetes database objects', () => {
  it('hostPath storage: namespace, secret, volume, headless + ClusterIP services, statefulset', () => {
    const objects = databaseObjects(DATABASE, ENGINE, { kind: 'host-path', dir: '/srv/v/', size: '1Gi' }, 1);
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        'Namespace/berth-prj-aaaaaaaaaaaa',
        'Secret/svc-0123456789ab-credentials',
        'PersistentVolume/berth-svc-0123456789ab-data',
        'Service/svc-0123456789ab-pods',
        'Service/pg',
        'StatefulSet/svc-0123456789ab',
      ],
    );
    const [, secret, volume, headless, service, set] = objects as unknown as [Loose, Loose, Loose, Loose, Loose, Loose];
    assert.equal(Buffer.from(secret.data.POSTGRES_PASSWORD, 'base64').toString(), 's3cret');
    assert.deepEqual(volume.spec.hostPath, { path: '/srv/v/svc-0123456789ab', type: 'DirectoryOrCreate' });
    assert.deepEqual(volume.spec.claimRef, {
      namespace: 'berth-prj-aaaaaaaaaaaa',
      name: databaseClaimName(DATABASE.id),
    });
    assert.equal(volume.metadata.namespace, undefined, 'a PersistentVolume is cluster-wide');
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(service.spec.clusterIP, undefined);
    assert.deepEqual(service.spec.selector, { 'berth.service': DATABASE.id, 'berth.role': 'database' });
    assert.equal(set.spec.serviceName, 'svc-0123456789ab-pods');
    assert.equal(set.spec.volumeClaimTemplates[0].spec.storageClassName, '');
    const container = set.spec.template.spec.containers[0];
    assert.deepEqual(container.envFrom, [{ secretRef: { name: 'svc-0123456789ab-credentials' } }]);
    assert.equal(JSON.stringify(set).includes('s3cret'), false, 'no credential in the StatefulSet');
    assert.deepEqual(container.readinessProbe.exec.command, ENGINE.healthcheck);
    assert.deepEqual(container.resources, { limits: { memory: '256Mi' }, requests: { memory: '256Mi' } });
    assert.deepEqual(container.volumeMounts, [
      { name: 'data', mountPath: '/var/lib/postgresql/data' },
      { name: 'files', mountPath: '/etc/berth/server.conf', subPath: 'file-0', readOnly: true },
    ]);
    assert.equal(databasePodName(DATABASE.id), 'svc-0123456789ab-0');
  });

  it('default class: no volume object and no storageClassName; replicas 0 to stop', () => {
    const objects = databaseObjects(DATABASE, ENGINE, { kind: 'default-class', size: '10Gi' }, 0);
    assert.equal(objects.length, 5);
    const set = objects[4] as Loose;
    assert.equal(set.spec.replicas, 0);
    assert.equal('storageClassName' in set.spec.volumeClaimTemplates[0].spec, false);
    assert.equal(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '10Gi');
  });

  it('the scratch pod is selected by no Service and keeps its data in an emptyDir', () => {
    const [secret, pod] = scratchDatabaseObjects(DATABASE, ENGINE, 'verify', 36 ** 3);
    assert.equal(pod.metadata.name, 'svc-0123456789ab-verify-1000');
    assert.equal(secret.metadata.name, pod.metadata.name);
    assert.equal(pod.metadata.labels!['berth.role'], 'verify');
    assert.deepEqual(pod.spec.volumes[0], { name: 'data', emptyDir: {} });
  });

  it('stages a tool environment as a shell file that quotes every value', () => {
    assert.equal(envFileText({ A: "it's $HOME `x`", B: '' }), "A='it'\\''s $HOME `x`'\nB=''\n");
    assert.throws(() => envFileText({ 'A;rm': 'x' }), /not a variable name/);
  });
});
