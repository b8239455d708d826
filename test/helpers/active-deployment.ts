/**
 * An "active" deployment of a service without a build: its row in the database and one started busybox
 * container carrying the given labels (plus the deployment and service labels and this file's test labels).
 * For tests of what Berth does with a deployment's running (or exited) container: logs, the terminal.
 */
import { insertDeployment, updateDeployment } from '../../src/deploys/deployments.repository.js';
import { newId } from '../../src/lib/ids.js';
import { LABELS } from '../../src/workloads/labels.js';
import { TEST_IMAGES, testLabels, testName } from './docker-test-env.js';
import type { TestApp } from './http-app.js';

export async function startActiveDeployment(
  t: TestApp,
  serviceId: string,
  options: { namePrefix: string; cmd: string[]; labels?: Record<string, string> },
): Promise<{ deploymentId: string; containerId: string }> {
  const deploymentId = newId('dep');
  await insertDeployment(t.db, {
    id: deploymentId,
    service_id: serviceId,
    trigger: 'manual',
    triggered_by: null,
    image: TEST_IMAGES.busybox,
    rollback_of: null,
  });
  await updateDeployment(t.db, deploymentId, { status: 'active' });
  const containerId = await t.runtime.createContainer({
    name: testName(`${options.namePrefix}-${deploymentId}`),
    image: TEST_IMAGES.busybox,
    cmd: options.cmd,
    labels: testLabels({
      [LABELS.service]: serviceId,
      [LABELS.deployment]: deploymentId,
      [LABELS.replica]: '1',
      ...options.labels,
    }),
  });
  await t.runtime.startContainer(containerId);
  return { deploymentId, containerId };
}
