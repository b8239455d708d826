/**
 * Service volumes, pure parts: the name and mount-path allow-lists (every refusal is BAD_REQUEST naming its
 * field), the Docker names and labels of a volume and of its helper container, and the manifest comparison
 * that decides whether a volume backup is verified.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { appContainerSpec } from '../../src/workloads/app-spec.js';
import { scratchVolumeName, serviceVolumeName } from '../../src/workloads/names.js';
import { serviceVolumeMounts, serviceVolumeSpec, volumeHelperSpec } from '../../src/workloads/volume-spec.js';
import { manifestDifference, parseManifest } from '../../src/volumes/volume-archive.js';
import {
  mountPathProblem,
  parseVolumeChange,
  parseVolumeInput,
  volumeNameProblem,
} from '../../src/volumes/volume-input.js';

function refusedFields(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'BAD_REQUEST');
    return Object.keys(error.details ?? {}).join(',');
  }
  assert.fail('accepted');
}

describe('volume names', () => {
  it('accepts lowercase names starting with a letter, up to 31 characters', () => {
    for (const name of ['uploads', 'a', 'data-2', `a${'b'.repeat(30)}`])
      assert.equal(volumeNameProblem(name), undefined);
  });
  it('refuses everything else', () => {
    for (const name of [
      '',
      'Uploads',
      '1data',
      '-x',
      'a_b',
      'a.b',
      'a/b',
      'a b',
      `a${'b'.repeat(31)}`,
      '..',
      7,
      null,
    ]) {
      assert.ok(volumeNameProblem(name), `accepted ${JSON.stringify(name)}`);
    }
  });
});

describe('mount paths', () => {
  it('accepts absolute, normalised application paths', () => {
    for (const path of [
      '/data',
      '/app/uploads',
      '/var/lib/app',
      '/srv/my_site.d',
      '/home/node/.cache',
      '/opt/x-y@1+2',
    ]) {
      assert.equal(mountPathProblem(path), undefined, path);
    }
  });
  it('refuses relative, unnormalised and traversing paths', () => {
    for (const path of [
      'data',
      './data',
      '/data/',
      '/a//b',
      '/a/./b',
      '/a/../etc',
      '/..',
      '',
      '/a b',
      '/a\nb',
      '/a;b',
      '/$HOME',
    ]) {
      assert.ok(mountPathProblem(path), `accepted ${JSON.stringify(path)}`);
    }
  });
  it('refuses system directories and what is inside the kernel and system trees', () => {
    for (const path of [
      '/',
      '/proc',
      '/sys',
      '/dev',
      '/etc',
      '/usr',
      '/bin',
      '/lib',
      '/var/run',
      '/run',
      '/proc/1',
      '/sys/fs',
      '/dev/shm',
      '/etc/ssl',
      '/usr/local',
      '/var/run/docker.sock',
    ]) {
      assert.match(mountPathProblem(path) ?? '', /system directory/, path);
    }
  });
});

describe('parsing a volume', () => {
  it('defaults shared to false and takes true/on', () => {
    assert.deepEqual(parseVolumeInput({ name: 'up', mountPath: '/up' }), {
      name: 'up',
      mountPath: '/up',
      shared: false,
    });
    assert.equal(parseVolumeInput({ name: 'up', mountPath: '/up', shared: true }).shared, true);
    assert.equal(parseVolumeInput({ name: 'up', mountPath: '/up', shared: 'on' }).shared, true);
  });
  it('names every bad field', () => {
    assert.equal(
      refusedFields(() => parseVolumeInput({ name: 'Bad', mountPath: '/etc' })),
      'name,mountPath',
    );
    assert.equal(
      refusedFields(() => parseVolumeInput({ name: 'ok', mountPath: '/x', shared: 'maybe' })),
      'shared',
    );
  });
  it('refuses renaming (the name is the Docker volume)', () => {
    assert.equal(
      refusedFields(() => parseVolumeChange({ name: 'other' })),
      'name',
    );
    assert.deepEqual(parseVolumeChange({ mountPath: '/new', shared: false }), { mountPath: '/new', shared: false });
  });
});

describe('volume specs', () => {
  const owner = { projectId: 'prj_aaaaaaaaaaaa', serviceId: 'svc_bbbbbbbbbbbb' };
  it('names and labels a service volume like every Berth object', () => {
    assert.deepEqual(serviceVolumeSpec(owner, 'uploads'), {
      name: 'berth-svc_bbbbbbbbbbbb-vol-uploads',
      labels: {
        'berth.managed': 'true',
        'berth.project': 'prj_aaaaaaaaaaaa',
        'berth.service': 'svc_bbbbbbbbbbbb',
        'berth.role': 'volume',
        'berth.volume': 'uploads',
      },
    });
    assert.equal(serviceVolumeName(owner.serviceId, 'uploads'), 'berth-svc_bbbbbbbbbbbb-vol-uploads');
    assert.equal(scratchVolumeName('vbk_cccccccccccc'), 'berth-scratch-cccccccccccc');
  });
  it('mounts the volumes into app replicas', () => {
    const volumes = serviceVolumeMounts(owner.serviceId, [{ name: 'up', mountPath: '/data' }]);
    const spec = appContainerSpec(
      {
        project: { id: owner.projectId, name: 'p', networkName: 'berth-p' },
        service: { id: owner.serviceId, name: 'web', resources: {} },
        deploymentId: 'dep_dddddddddddd',
        image: 'img',
        env: {},
        volumes,
      },
      1,
      8080,
    );
    assert.deepEqual(spec.volumes, [{ volume: 'berth-svc_bbbbbbbbbbbb-vol-up', target: '/data' }]);
  });
  it('builds a helper without network, never restarted, volumes read-only unless asked', () => {
    const spec = volumeHelperSpec(
      owner,
      'archive',
      'vol_eeeeeeeeeeee',
      'busybox:1.36',
      [
        { volume: 'a', readOnly: true },
        { volume: 'b', readOnly: false },
      ],
      36,
    );
    assert.equal(spec.name, 'berth-vol-archive-eeeeeeeeeeee-10');
    assert.equal(spec.network, 'none');
    assert.equal(spec.restartPolicy, 'no');
    assert.deepEqual(spec.cmd, ['sleep', '86400']);
    assert.equal(spec.labels['berth.role'], 'volume-helper');
    assert.equal(spec.labels['berth.deployment'], undefined, 'never taken for a replica');
    assert.deepEqual(spec.volumes, [
      { volume: 'a', target: '/volumes/0', readOnly: true },
      { volume: 'b', target: '/volumes/1', readOnly: false },
    ]);
  });
});

describe('backup manifests', () => {
  const sha = (c: string) => c.repeat(64);
  const sums = `${sha('a')}  /volumes/0/x y.txt\n${sha('b')}  /volumes/0/dir/b\n`;
  const sizes = '3 /volumes/0/x y.txt\n10 /volumes/0/dir/b\n';
  it('joins sha256sum and stat output by path relative to the volume', () => {
    const m = parseManifest('/volumes/0', sums, sizes);
    assert.deepEqual(
      [...m.entries()],
      [
        ['x y.txt', { sha256: sha('a'), size: 3 }],
        ['dir/b', { sha256: sha('b'), size: 10 }],
      ],
    );
  });
  it('names the first difference: missing, size, contents, extra', () => {
    const m = parseManifest('/volumes/0', sums, sizes);
    assert.equal(manifestDifference(m, parseManifest('/volumes/0', sums, sizes)), undefined);
    assert.match(
      manifestDifference(m, parseManifest('/volumes/0', `${sha('a')}  /volumes/0/x y.txt\n`, sizes)) ?? '',
      /dir\/b is missing/,
    );
    assert.match(
      manifestDifference(m, parseManifest('/volumes/0', sums, '4 /volumes/0/x y.txt\n10 /volumes/0/dir/b\n')) ?? '',
      /x y.txt has 4 bytes/,
    );
    assert.match(
      manifestDifference(m, parseManifest('/volumes/0', sums.replace(sha('b'), sha('c')), sizes)) ?? '',
      /other contents/,
    );
    assert.match(
      manifestDifference(
        m,
        parseManifest('/volumes/0', `${sums}${sha('d')}  /volumes/0/new\n`, `${sizes}1 /volumes/0/new\n`),
      ) ?? '',
      /new appeared/,
    );
  });
});
