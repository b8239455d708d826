/** BERTH_SCHEDULER, BERTH_KUBECONFIG and the rollout time limit: defaults, parsing, one-line refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return error.message;
  }
  assert.fail('expected a config error');
}

describe('scheduler config', () => {
  it('defaults to Docker, no kubeconfig (in-cluster or the usual lookup), rollouts bounded at 300 s', () => {
    const c = loadConfig({}, '/srv');
    assert.equal(c.scheduler, 'docker');
    assert.deepEqual(c.kubernetes, { kubeconfig: undefined, rolloutTimeoutMs: 300_000 });
    assert.equal(loadConfig({ BERTH_SCHEDULER: '' }, '/srv').scheduler, 'docker');
  });

  it('reads kubernetes, a kubeconfig path (relative to the working directory) and a rollout limit', () => {
    const c = loadConfig(
      {
        BERTH_SCHEDULER: 'kubernetes',
        BERTH_KUBECONFIG: 'conf/kubeconfig',
        BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS: '90',
      },
      '/srv',
    );
    assert.equal(c.scheduler, 'kubernetes');
    assert.deepEqual(c.kubernetes, { kubeconfig: '/srv/conf/kubeconfig', rolloutTimeoutMs: 90_000 });
    assert.equal(loadConfig({ BERTH_KUBECONFIG: '/etc/k/config' }, '/srv').kubernetes.kubeconfig, '/etc/k/config');
  });

  it('refuses unknown schedulers, bad rollout limits and paths with control characters, naming the variable', () => {
    assert.equal(
      configError(() => loadConfig({ BERTH_SCHEDULER: 'nomad' }, '/srv')),
      'BERTH_SCHEDULER must be one of docker, kubernetes, got "nomad"',
    );
    assert.equal(
      configError(() => loadConfig({ BERTH_SCHEDULER: 'Kubernetes' }, '/srv')),
      'BERTH_SCHEDULER must be one of docker, kubernetes, got "Kubernetes"',
    );
    for (const raw of ['0', '3601', '1.5', '-1', 'ten'])
      assert.equal(
        configError(() => loadConfig({ BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS: raw }, '/srv')),
        `BERTH_KUBERNETES_ROLLOUT_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 3600, got "${raw}"`,
      );
    assert.equal(
      configError(() => loadConfig({ BERTH_KUBECONFIG: '/a\nb' }, '/srv')),
      'BERTH_KUBECONFIG must be a plain file path',
    );
  });
});
