/**
 * The words `berth doctor` uses for a cluster, for each state the API can report (the calls themselves
 * run against the real test cluster in test/integration/kubernetes-scheduler.test.ts). The client here is
 * a stand-in that answers as a cluster in that state would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkKubernetes, NEEDED_ACCESS } from '../../src/doctor/kubernetes-checks.js';
import { AppError } from '../../src/errors.js';
import type { KubernetesClient, NodeSummary, StorageClassSummary } from '../../src/runtime/kubernetes/client.js';

function cluster(state: {
  version?: string | AppError;
  nodes?: NodeSummary[];
  classes?: StorageClassSummary[];
  denied?: string[];
}): KubernetesClient {
  return {
    version: async () => {
      if (state.version instanceof AppError) throw state.version;
      return state.version ?? 'v1.30.0';
    },
    listNodes: async () => state.nodes ?? [{ name: 'n1', isReady: true, reason: 'KubeletReady' }],
    listStorageClasses: async () =>
      state.classes ?? [{ name: 'local', provisioner: 'rancher.io/local-path', isDefault: true }],
    canI: async (question) => !(state.denied ?? []).includes(`${question.verb} ${question.resource}`),
  } as KubernetesClient;
}

describe('berth doctor: cluster checks', () => {
  it('a healthy cluster: four ok lines', async () => {
    const verdicts = await checkKubernetes(cluster({}));
    assert.deepEqual(
      verdicts.map((v) => v.status),
      ['ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(verdicts[0]!.message, 'the Kubernetes API answers (v1.30.0)');
    assert.equal(verdicts[3]!.message, 'default storage class: local (rancher.io/local-path)');
  });

  it('an unreachable API is one failure and nothing else is asked', async () => {
    const verdicts = await checkKubernetes(
      cluster({
        version: new AppError(
          'KUBERNETES_UNAVAILABLE',
          'Kubernetes is unavailable (read its version): connect ECONNREFUSED',
        ),
      }),
    );
    assert.equal(verdicts.length, 1);
    assert.equal(verdicts[0]!.status, 'fail');
    assert.match(verdicts[0]!.message, /cannot be used: .*ECONNREFUSED/);
  });

  it('names the nodes that are not Ready and the permissions that are missing', async () => {
    const verdicts = await checkKubernetes(
      cluster({
        nodes: [
          { name: 'a', isReady: true, reason: 'KubeletReady' },
          { name: 'b', isReady: false, reason: 'KubeletNotReady' },
        ],
        denied: ['create namespaces', 'get pods'],
      }),
    );
    assert.deepEqual(verdicts[1], { status: 'warn', message: '1 of 2 nodes are not Ready (b: KubeletNotReady)' });
    assert.deepEqual(verdicts[2], {
      status: 'fail',
      message: 'the credentials may not create namespaces, read pod logs (Berth needs to)',
    });
    assert.equal(NEEDED_ACCESS.length, 12);
  });

  it('no Ready node fails; storage without a default warns', async () => {
    const verdicts = await checkKubernetes(
      cluster({
        nodes: [{ name: 'a', isReady: false, reason: undefined }],
        classes: [{ name: 'slow', provisioner: 'x', isDefault: false }],
      }),
    );
    assert.deepEqual(verdicts[1], { status: 'fail', message: 'no node is Ready (a: no Ready condition)' });
    assert.equal(verdicts[3]!.status, 'warn');
    assert.match(verdicts[3]!.message, /no default storage class \(there are: slow\)/);
  });

  it('hostPath database volumes (BERTH_KUBERNETES_HOSTPATH_DIR) are said as such, with or without a class', async () => {
    const bare = await checkKubernetes(cluster({ classes: [] }), { hostPathDir: '/srv/berth-volumes' });
    assert.equal(bare[3]!.status, 'ok');
    assert.match(bare[3]!.message, /^database volumes: hostPath directories under \/srv\/berth-volumes .*single-node/);
    const withClass = await checkKubernetes(cluster({}), { hostPathDir: '/srv/berth-volumes' });
    assert.match(withClass[3]!.message, /the default storage class local is not used$/);
    const none = await checkKubernetes(cluster({ classes: [] }));
    assert.equal(none[3]!.status, 'warn');
    assert.match(none[3]!.message, /or BERTH_KUBERNETES_HOSTPATH_DIR on a single-node cluster/);
  });
});
