/** The cron run container spec (pure), compared by exact equality, and the argv of both command forms. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronArgv, cronJobSelector, cronRunContainerSpec } from '../../src/workloads/cron-spec.js';
import { isReplicaContainer } from '../../src/workloads/labels.js';
import { serviceVolumeMounts } from '../../src/workloads/volume-spec.js';

const workload = {
  project: { id: 'prj_aaaaaaaaaaaa', networkName: 'berth-prj_aaaaaaaaaaaa' },
  service: { id: 'svc_bbbbbbbbbbbb', resources: { memoryMb: 256, cpus: 0.5 } },
  jobId: 'crj_cccccccccccc',
  runId: 'crr_dddddddddddd',
  image: 'berth/svc_bbbbbbbbbbbb:dep_eeeeeeeeeeee',
  env: { DATABASE_URL: 'postgres://db/app', GREETING: 'hi' },
};

describe('cron run container spec', () => {
  it('runs a shell command through the image /bin/sh -c, on the project network, never restarted', () => {
    assert.deepEqual(cronRunContainerSpec({ ...workload, command: { shell: 'npm run report && echo "$GREETING"' } }), {
      name: 'berth-cron-cccccccccccc-dddddddddddd',
      image: 'berth/svc_bbbbbbbbbbbb:dep_eeeeeeeeeeee',
      cmd: ['/bin/sh', '-c', 'npm run report && echo "$GREETING"'],
      env: { DATABASE_URL: 'postgres://db/app', GREETING: 'hi' },
      labels: {
        'berth.managed': 'true',
        'berth.project': 'prj_aaaaaaaaaaaa',
        'berth.service': 'svc_bbbbbbbbbbbb',
        'berth.role': 'cron',
        'berth.cron-job': 'crj_cccccccccccc',
        'berth.cron-run': 'crr_dddddddddddd',
      },
      network: 'berth-prj_aaaaaaaaaaaa',
      memoryBytes: 256 * 1024 * 1024,
      nanoCpus: 500_000_000,
      restartPolicy: 'no',
    });
  });

  it('mounts the service volumes where its replicas do', () => {
    const volumes = serviceVolumeMounts('svc_bbbbbbbbbbbb', [{ name: 'uploads', mountPath: '/srv/uploads' }]);
    const spec = cronRunContainerSpec({ ...workload, volumes, command: { argv: ['true'] } });
    assert.deepEqual(spec.volumes, [{ volume: 'berth-svc_bbbbbbbbbbbb-vol-uploads', target: '/srv/uploads' }]);
    assert.equal('volumes' in cronRunContainerSpec({ ...workload, command: { argv: ['true'] } }), false);
  });

  it('runs an argv command as given (no shell), without limits when the service has none', () => {
    const spec = cronRunContainerSpec({
      ...workload,
      service: { id: workload.service.id, resources: {} },
      command: { argv: ['node', 'clean.js', '$HOME; rm -rf /'] },
    });
    assert.deepEqual(spec.cmd, ['node', 'clean.js', '$HOME; rm -rf /']);
    assert.equal(spec.memoryBytes, undefined);
    assert.equal(spec.nanoCpus, undefined);
  });

  it('is never taken for an app replica (no deployment label), and is selected by its job', () => {
    const spec = cronRunContainerSpec({ ...workload, command: { argv: ['true'] } });
    assert.equal(spec.labels['berth.deployment'], undefined);
    assert.equal(isReplicaContainer(spec.labels), false);
    assert.deepEqual(cronJobSelector('crj_cccccccccccc'), { 'berth.cron-job': 'crj_cccccccccccc' });
    assert.ok(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(spec.name), 'a valid Docker container name');
  });

  it('copies argv (the spec never shares the job array)', () => {
    const argv = ['echo', 'hi'];
    const out = cronArgv({ argv });
    out.push('more');
    assert.deepEqual(argv, ['echo', 'hi']);
  });
});
