/**
 * Every object the scheduler applies carries the install label; the install id is random base64url, and one
 * ending in `-` (as in a CI run: "r96QuwAmAiMzuMm-") made the API server refuse the namespace. The label value
 * must pass Kubernetes' own rule for any install id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { KubernetesClient } from '../../src/runtime/kubernetes/client.js';
import type { KubeObject } from '../../src/runtime/kubernetes/objects.js';
import { KubernetesScheduler } from '../../src/runtime/kubernetes/scheduler.js';
import { INSTALL_LABEL } from '../../src/runtime/runtime.js';

// The API server's validation of a label value (k8s.io/apimachinery IsValidLabelValue).
const KUBERNETES_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

async function appliedLabel(installId: string): Promise<string | undefined> {
  const applied: KubeObject[] = [];
  const client = { apply: async (object: KubeObject) => void applied.push(object) } as unknown as KubernetesClient;
  const scheduler = new KubernetesScheduler(client, { rolloutTimeoutMs: 1000, installId });
  await scheduler.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'berth-prj-x', labels: {} } }]);
  return applied[0]?.metadata.labels?.[INSTALL_LABEL];
}

describe('the install label on cluster objects', () => {
  it('turns an install id Kubernetes would refuse into a valid, stable label value', async () => {
    for (const id of ['r96QuwAmAiMzuMm-', '-r96QuwAmAiMzuMm', '_abcdefghijklmno', 'abcdefghijklmno_']) {
      const value = await appliedLabel(id);
      assert.ok(value && value.length <= 63 && KUBERNETES_LABEL_VALUE.test(value), `${id} → ${value}`);
      assert.equal(await appliedLabel(id), value, 'the same on every object');
    }
    assert.notEqual(await appliedLabel('r96QuwAmAiMzuMm-'), await appliedLabel('r96QuwAmAiMzuMm_'));
  });

  it('keeps an install id that is already a valid label value as it is', async () => {
    assert.equal(await appliedLabel('r96QuwAmAiMzuMmQ'), 'r96QuwAmAiMzuMmQ');
  });

  it('is valid for any install id the data directory can make (12 random bytes, base64url)', async () => {
    for (let i = 0; i < 500; i++) {
      const value = await appliedLabel(randomBytes(12).toString('base64url'));
      assert.ok(value && KUBERNETES_LABEL_VALUE.test(value) && value.length <= 63, String(value));
    }
  });
});
