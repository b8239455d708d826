/**
 * Worker processes, pure parts: the worker container spec (exact equality, like the app replicas), the
 * labels that keep workers out of routes, the Procfile's process types and the replica count check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processTypesOf } from '../../src/build/procfile.js';
import { processArgv } from '../../src/deploys/worker-set.js';
import { isAppError } from '../../src/errors.js';
import { appContainerSpec, type AppWorkload } from '../../src/workloads/app-spec.js';
import { serviceVolumeMounts } from '../../src/workloads/volume-spec.js';
import { isReplicaContainer, isWorkerContainer, replicaNameOf } from '../../src/workloads/labels.js';
import { workerContainerSpec, workerSelector } from '../../src/workloads/worker-spec.js';
import { checkReplicas } from '../../src/workers/workers.service.js';

const workload: AppWorkload = {
  project: { id: 'prj_0123456789ab', name: 'shop', networkName: 'berth-prj_0123456789ab' },
  service: { id: 'svc_0123456789ab', name: 'api', resources: { memoryMb: 512, cpus: 1.5 } },
  deploymentId: 'dep_abcdefghijkl',
  image: 'berth/svc_0123456789ab:dep_abcdefghijkl',
  env: { DATABASE_URL: 'postgres://db/shop', GREETING: 'hi' },
};

describe('worker container spec', () => {
  it('runs the process command with the web replicas’ image, variables, network and limits; no PORT, no alias', () => {
    assert.deepEqual(workerContainerSpec(workload, 'worker', ['sh', 'worker.sh'], 2), {
      name: 'berth-shop-api-abcdefgh-worker-2',
      image: 'berth/svc_0123456789ab:dep_abcdefghijkl',
      cmd: ['sh', 'worker.sh'],
      env: { DATABASE_URL: 'postgres://db/shop', GREETING: 'hi' },
      labels: {
        'berth.managed': 'true',
        'berth.project': 'prj_0123456789ab',
        'berth.service': 'svc_0123456789ab',
        'berth.deployment': 'dep_abcdefghijkl',
        'berth.role': 'worker',
        'berth.process': 'worker',
        'berth.replica': '2',
      },
      network: 'berth-prj_0123456789ab',
      memoryBytes: 512 * 1024 * 1024,
      nanoCpus: 1_500_000_000,
      restartPolicy: 'unless-stopped',
    });
  });

  it('mounts the service volumes exactly as the web replicas do (serviceVolumeMounts)', () => {
    const volumes = serviceVolumeMounts('svc_0123456789ab', [
      { name: 'uploads', mountPath: '/app/uploads' },
      { name: 'cache', mountPath: '/var/cache/app' },
    ]);
    const spec = workerContainerSpec({ ...workload, volumes }, 'worker', ['sh', 'worker.sh'], 1);
    assert.deepEqual(spec.volumes, [
      { volume: 'berth-svc_0123456789ab-vol-uploads', target: '/app/uploads' },
      { volume: 'berth-svc_0123456789ab-vol-cache', target: '/var/cache/app' },
    ]);
    assert.deepEqual(spec.volumes, appContainerSpec({ ...workload, volumes }, 1, 3000).volumes);
    assert.equal('volumes' in workerContainerSpec(workload, 'worker', ['x'], 1), false, 'no volumes: no key');
  });

  it('has no limits when the service has none', () => {
    const spec = workerContainerSpec(
      { ...workload, service: { ...workload.service, resources: {} } },
      'clock',
      ['node', 'clock.js'],
      1,
    );
    assert.equal(spec.memoryBytes, undefined);
    assert.equal(spec.nanoCpus, undefined);
    assert.equal(spec.name, 'berth-shop-api-abcdefgh-clock-1');
  });

  it('is a worker, never a routed replica, and is named type.replica in logs', () => {
    const labels = workerContainerSpec(workload, 'worker', ['x'], 3).labels;
    assert.equal(isWorkerContainer(labels), true);
    assert.equal(isReplicaContainer(labels), false);
    assert.equal(replicaNameOf(labels), 'worker.3');
    assert.equal(replicaNameOf({ 'berth.replica': '2' }), '2');
    assert.deepEqual(workerSelector('svc_0123456789ab'), {
      'berth.service': 'svc_0123456789ab',
      'berth.role': 'worker',
    });
  });
});

describe('Procfile process types', () => {
  it('lists every type but web and release, the last line of a type winning', () => {
    const text = [
      '# comment',
      'web: node server.js',
      'release: npm run migrate',
      'worker: sh worker.sh',
      'clock:   node clock.js --every $INTERVAL',
      'worker: sh worker.sh --fast',
      '',
    ].join('\n');
    assert.deepEqual(processTypesOf(text), { worker: 'sh worker.sh --fast', clock: 'node clock.js --every $INTERVAL' });
  });

  it('turns a command into argv, through /bin/sh -c only to expand variables', () => {
    assert.deepEqual(processArgv('worker', 'sh worker.sh'), ['sh', 'worker.sh']);
    assert.deepEqual(processArgv('clock', 'node clock.js $INTERVAL'), [
      '/bin/sh',
      '-c',
      'exec node clock.js $INTERVAL',
    ]);
  });

  it('refuses a command only a shell understands, and a type name Berth cannot put in a name', () => {
    assert.throws(
      () => processTypesOf('worker: while true; do echo hi; done'),
      (e: unknown) => isAppError(e) && e.code === 'VALIDATION_FAILED' && /Procfile worker/.test(e.message),
    );
    assert.throws(
      () => processTypesOf('Worker_Big: node w.js'),
      (e: unknown) => isAppError(e) && e.code === 'VALIDATION_FAILED' && /Worker_Big/.test(e.message),
    );
    const many = Array.from({ length: 11 }, (_, i) => `w${i}: node w.js`).join('\n');
    assert.throws(() => processTypesOf(many), /more than 10/);
  });
});

describe('replica count', () => {
  it('takes whole numbers 0..20, from JSON or a form', () => {
    assert.equal(checkReplicas(0), 0);
    assert.equal(checkReplicas(20), 20);
    assert.equal(checkReplicas('3'), 3);
    for (const bad of [-1, 21, 1.5, '', 'two', '1e1', null, undefined, true]) {
      assert.throws(
        () => checkReplicas(bad),
        (e: unknown) => isAppError(e) && e.code === 'VALIDATION_FAILED' && e.details?.replicas !== undefined,
        String(bad),
      );
    }
  });
});
