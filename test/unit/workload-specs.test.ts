/**
 * The Docker objects of an app deployment, given inputs → exactly this object (Kamal's command tests are
 * the model): the app replicas, the release container, the project network, the built image's tag,
 * labels and build options, the upgrader; and what the Docker runtime hands the engine for them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOptions } from '../../src/runtime/docker/containers.js';
import { trialCreateOptions, upgraderCreateOptions } from '../../src/runtime/docker/self-container.js';
import { withInstallLabel } from '../../src/runtime/runtime.js';
import {
  appContainerSpec,
  builtImageLabels,
  projectNetworkSpec,
  releaseContainerSpec,
  type AppWorkload,
} from '../../src/workloads/app-spec.js';
import { buildArgsOf, imageBuildSpec } from '../../src/workloads/build-spec.js';
import {
  installSelector,
  isReleaseContainer,
  managedLabels,
  projectSelector,
  serviceSelector,
} from '../../src/workloads/labels.js';
import { builtImageTag, isBuiltImageOf } from '../../src/workloads/names.js';
import { upgraderSpec } from '../../src/workloads/upgrader-spec.js';

const project = { id: 'prj_0123456789ab', name: 'shop', networkName: 'berth-prj_0123456789ab' };

function workload(resources: AppWorkload['service']['resources'] = {}): AppWorkload {
  return {
    project,
    service: { id: 'svc_abcdefghjkmn', name: 'web', resources },
    deploymentId: 'dep_k7m2x9q4b8c1',
    image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
    env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://app:pw@db:5432/app' },
  };
}

describe('app container spec', () => {
  it('replica 2 with limits: name, env with PORT, labels, network alias, limits, restart policy', () => {
    assert.deepEqual(appContainerSpec(workload({ memoryMb: 512, cpus: 0.5 }), 2, 3000), {
      name: 'berth-shop-web-k7m2x9q4-2',
      image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://app:pw@db:5432/app', PORT: '3000' },
      labels: {
        'berth.managed': 'true',
        'berth.project': 'prj_0123456789ab',
        'berth.service': 'svc_abcdefghjkmn',
        'berth.deployment': 'dep_k7m2x9q4b8c1',
        'berth.replica': '2',
        'berth.port': '3000',
      },
      network: 'berth-prj_0123456789ab',
      networkAliases: ['web'],
      memoryBytes: 536_870_912,
      nanoCpus: 500_000_000,
      restartPolicy: 'unless-stopped',
    });
  });

  it('without limits: no memory or CPU cap; PORT set by Berth wins over a variable of that name', () => {
    const spec = appContainerSpec({ ...workload(), env: { PORT: '1234', A: 'b' } }, 1, 8080);
    assert.deepEqual(spec.env, { PORT: '8080', A: 'b' });
    assert.equal(spec.memoryBytes, undefined);
    assert.equal(spec.nanoCpus, undefined);
    assert.equal(spec.name, 'berth-shop-web-k7m2x9q4-1');
    assert.equal(spec.healthcheck, undefined, 'apps are health-checked by Berth over HTTP, not by the engine');
    assert.equal(spec.publishedPorts, undefined, 'apps are reached through the proxy, never a host port');
  });

  it('is handed to the engine as exactly these create options (log rotation, alias on the project network)', () => {
    const spec = appContainerSpec(workload({ memoryMb: 256, cpus: 1.25 }), 1, 3000);
    const labels = withInstallLabel(spec.labels, 'ins_test');
    assert.deepEqual(createOptions({ ...spec, labels }, { maxSize: '10m', maxFiles: 3 }), {
      name: 'berth-shop-web-k7m2x9q4-1',
      Image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
      Cmd: undefined,
      Env: ['NODE_ENV=production', 'DATABASE_URL=postgresql://app:pw@db:5432/app', 'PORT=3000'],
      Labels: {
        'berth.managed': 'true',
        'berth.project': 'prj_0123456789ab',
        'berth.service': 'svc_abcdefghjkmn',
        'berth.deployment': 'dep_k7m2x9q4b8c1',
        'berth.replica': '1',
        'berth.port': '3000',
        'berth.install': 'ins_test',
      },
      HostConfig: {
        NetworkMode: 'berth-prj_0123456789ab',
        Memory: 268_435_456,
        NanoCpus: 1_250_000_000,
        RestartPolicy: { Name: 'unless-stopped' },
        Mounts: undefined,
        PortBindings: undefined,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      },
      NetworkingConfig: { EndpointsConfig: { 'berth-prj_0123456789ab': { Aliases: ['web'] } } },
    });
  });
});

describe('release container spec', () => {
  it('runs the command argv once on the project network, with the variables, no PORT, no alias', () => {
    assert.deepEqual(releaseContainerSpec(workload({ memoryMb: 512 }), ['npm', 'run', 'migrate']), {
      name: 'berth-release-k7m2x9q4b8c1',
      image: 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1',
      cmd: ['npm', 'run', 'migrate'],
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://app:pw@db:5432/app' },
      labels: {
        'berth.managed': 'true',
        'berth.project': 'prj_0123456789ab',
        'berth.service': 'svc_abcdefghjkmn',
        'berth.deployment': 'dep_k7m2x9q4b8c1',
        'berth.role': 'release',
      },
      network: 'berth-prj_0123456789ab',
      restartPolicy: 'no',
    });
  });

  it('is told apart from serving containers by its labels', () => {
    assert.equal(isReleaseContainer(releaseContainerSpec(workload(), ['true']).labels), true);
    assert.equal(isReleaseContainer(appContainerSpec(workload(), 1, 80).labels), false);
  });
});

describe('network, image and selector labels', () => {
  it('the project network', () => {
    assert.deepEqual(projectNetworkSpec(project), {
      name: 'berth-prj_0123456789ab',
      labels: { 'berth.managed': 'true', 'berth.project': 'prj_0123456789ab' },
    });
  });

  it("a deployment's image: tag and labels (the deployment only in the tag, so a warm build stays cached)", () => {
    assert.equal(builtImageTag('svc_abcdefghjkmn', 'dep_k7m2x9q4b8c1'), 'berth/svc_abcdefghjkmn:dep_k7m2x9q4b8c1');
    assert.deepEqual(builtImageLabels(workload()), {
      'berth.managed': 'true',
      'berth.project': 'prj_0123456789ab',
      'berth.service': 'svc_abcdefghjkmn',
    });
    assert.equal(isBuiltImageOf('svc_abcdefghjkmn', 'berth/svc_abcdefghjkmn:dep_x'), true);
    assert.equal(isBuiltImageOf('svc_abcdefghjkmn', 'berth/svc_abcdefghjkmnX:dep_x'), false);
    assert.equal(isBuiltImageOf('svc_abcdefghjkmn', 'nginx:1.27'), false, "a user's image is never Berth's");
  });

  it('the selectors Berth finds its objects by', () => {
    assert.deepEqual(managedLabels(), { 'berth.managed': 'true' });
    assert.deepEqual(serviceSelector('svc_a'), { 'berth.service': 'svc_a' });
    assert.deepEqual(projectSelector('prj_a'), { 'berth.project': 'prj_a' });
    assert.deepEqual(installSelector('ins_a'), { 'berth.install': 'ins_a' });
  });

  it('the install label is added by the runtime when it has an install id, and only then', () => {
    assert.deepEqual(withInstallLabel({ a: 'b' }, 'ins_1'), { a: 'b', 'berth.install': 'ins_1' });
    assert.deepEqual(withInstallLabel({ a: 'b' }, undefined), { a: 'b' });
  });
});

describe('image build options', () => {
  it('build args: the service overrides the proxy; the CA argument and template args override both', () => {
    assert.deepEqual(
      buildArgsOf({
        proxy: { HTTP_PROXY: 'http://proxy:3128', http_proxy: 'http://proxy:3128' },
        service: { HTTP_PROXY: 'http://mine:8080', NODE_VERSION: '18' },
        ca: { BERTH_BUILD_CA: '.berth-build-ca.pem' },
        template: { NODE_VERSION: '20' },
      }),
      {
        HTTP_PROXY: 'http://mine:8080',
        http_proxy: 'http://proxy:3128',
        NODE_VERSION: '20',
        BERTH_BUILD_CA: '.berth-build-ca.pem',
      },
    );
  });

  it('with a CA copy in the context: sent even if .dockerignore excludes it', () => {
    assert.deepEqual(
      imageBuildSpec({
        contextDir: '/data/builds/dep_1',
        dockerfile: '.berth.Dockerfile',
        tag: 'berth/svc_a:dep_1',
        labels: { 'berth.managed': 'true' },
        buildArgs: { A: '1' },
        caContextFile: '.berth-build-ca.pem',
        memoryBytes: 2 * 1024 ** 3,
        cpus: 1,
      }),
      {
        contextDir: '/data/builds/dep_1',
        dockerfile: '.berth.Dockerfile',
        alwaysSend: ['.berth-build-ca.pem'],
        tag: 'berth/svc_a:dep_1',
        buildArgs: { A: '1' },
        labels: { 'berth.managed': 'true' },
        memoryBytes: 2_147_483_648,
        cpus: 1,
      },
    );
  });

  it('without a CA: nothing extra is sent', () => {
    const spec = imageBuildSpec({
      contextDir: '/c',
      dockerfile: 'Dockerfile',
      tag: 't:1',
      labels: {},
      buildArgs: {},
      memoryBytes: 1,
      cpus: 2,
    });
    assert.deepEqual(spec, {
      contextDir: '/c',
      dockerfile: 'Dockerfile',
      tag: 't:1',
      buildArgs: {},
      labels: {},
      memoryBytes: 1,
      cpus: 2,
    });
  });
});

describe("Berth's own containers (upgrade)", () => {
  const self = {
    id: 'c0ffee',
    name: 'berth',
    imageId: 'sha256:1111',
    imageRef: 'berth/berth:1.2.3',
    running: true,
    env: ['BERTH_DATA_DIR=/data'],
    labels: { 'com.example.owner': 'ops' },
    binds: ['/var/run/docker.sock:/var/run/docker.sock', '/srv/berth:/data'],
    networkMode: 'host',
    restartPolicy: 'unless-stopped',
    cmd: ['serve'],
  };

  it('the upgrader runs the current image with our mounts, env and labels, and the target as an argument', () => {
    const spec = upgraderSpec({ self, targetImage: 'berth/berth:1.3.0', healthTimeoutMs: 120_400 });
    assert.deepEqual(spec, {
      name: 'berth-upgrader',
      image: 'sha256:1111',
      binds: ['/var/run/docker.sock:/var/run/docker.sock', '/srv/berth:/data'],
      env: ['BERTH_DATA_DIR=/data'],
      labels: { 'com.example.owner': 'ops', 'berth.role': 'upgrader' },
      args: ['upgrade-apply', '--container', 'berth', '--image', 'berth/berth:1.3.0', '--health-timeout', '120'],
    });
    assert.deepEqual(upgraderCreateOptions(spec), {
      name: 'berth-upgrader',
      Image: 'sha256:1111',
      Cmd: ['upgrade-apply', '--container', 'berth', '--image', 'berth/berth:1.3.0', '--health-timeout', '120'],
      Env: ['BERTH_DATA_DIR=/data'],
      Labels: { 'com.example.owner': 'ops', 'berth.role': 'upgrader' },
      HostConfig: {
        Binds: ['/var/run/docker.sock:/var/run/docker.sock', '/srv/berth:/data'],
        NetworkMode: 'host',
        AutoRemove: true,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      },
    });
  });

  it('the new version starts like the old one but without a restart policy during its trial', () => {
    assert.deepEqual(trialCreateOptions(self, 'berth/berth:1.3.0', 'berth', ['BERTH_DATA_DIR=/data', 'X=1']), {
      name: 'berth',
      Image: 'berth/berth:1.3.0',
      Cmd: ['serve'],
      Env: ['BERTH_DATA_DIR=/data', 'X=1'],
      Labels: { 'com.example.owner': 'ops' },
      HostConfig: {
        Binds: ['/var/run/docker.sock:/var/run/docker.sock', '/srv/berth:/data'],
        NetworkMode: 'host',
        RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      },
    });
  });
});
