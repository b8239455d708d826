/**
 * The crash watch on the kubernetes scheduler publishes the same service events as Docker's container
 * watcher: 'crashed' when a followed service's pod enters a crash loop (CrashLoopBackOff, or restarted
 * within the crash window), 'running' once none is, nothing while the state stays, and terminating pods
 * of a previous deployment do not count. The pods are given as the API lists them (PodSummary).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodSummary } from '../../src/runtime/kubernetes/client.js';
import { KubernetesCrashWatch } from '../../src/deploys/kubernetes-crash-watch.js';
import { isCrashLooping } from '../../src/deploys/kubernetes-state.js';
import { createLogger } from '../../src/logger.js';

const NOW = Date.parse('2026-12-03T17:00:00Z');
const pod = (overrides: Partial<PodSummary> = {}): PodSummary => ({
  name: 'web-abc',
  phase: 'Running',
  labels: {},
  isReady: true,
  isTerminating: false,
  restartCount: 0,
  waitingReason: undefined,
  lastExitCode: undefined,
  startedAt: '2026-12-03T16:00:00Z',
  ...overrides,
});

describe('kubernetes crash loops', () => {
  it('a crash loop is CrashLoopBackOff, or a restart within the last 10 s, or a restarted container not running', () => {
    assert.equal(isCrashLooping(pod(), NOW), false);
    assert.equal(
      isCrashLooping(pod({ waitingReason: 'CrashLoopBackOff', restartCount: 3, startedAt: undefined }), NOW),
      true,
    );
    assert.equal(isCrashLooping(pod({ restartCount: 1, startedAt: '2026-12-03T16:59:55Z' }), NOW), true);
    assert.equal(isCrashLooping(pod({ restartCount: 1, startedAt: '2026-12-03T16:59:40Z' }), NOW), false);
    assert.equal(isCrashLooping(pod({ restartCount: 2, startedAt: undefined, phase: 'Running' }), NOW), true);
  });

  it('publishes crashed and running on changes only, for followed services, ignoring terminating pods', async () => {
    let pods: PodSummary[] = [pod()];
    const published: unknown[] = [];
    const watch = new KubernetesCrashWatch(
      { listPods: async () => pods },
      { followedServices: () => [{ serviceId: 'svc_1', namespace: 'berth-prj-1' }] },
      { publish: (event) => published.push(event) },
      createLogger('error'),
    );
    await watch.check();
    assert.deepEqual(published, []);
    pods = [pod({ waitingReason: 'CrashLoopBackOff', restartCount: 4, startedAt: undefined })];
    await watch.check();
    await watch.check();
    assert.deepEqual(published, [{ type: 'service', serviceId: 'svc_1', state: 'crashed' }]);
    pods = [pod({ name: 'web-new' }), pod({ waitingReason: 'CrashLoopBackOff', restartCount: 4, isTerminating: true })];
    await watch.check();
    assert.deepEqual(published.at(-1), { type: 'service', serviceId: 'svc_1', state: 'running' });
    assert.equal(published.length, 2);
  });
});
