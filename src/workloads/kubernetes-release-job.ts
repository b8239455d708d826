/**
 * The release command of a deployment as a Kubernetes Job (pure; exact-equality tests in
 * test/unit/workload-kubernetes-specs.test.ts): the new image, the deployment's variables Secret and PORT
 * as the app's pods get them, the command as the container's args replaced like Docker's CMD (the
 * ENTRYPOINT stays, as with the release container on Docker), `backoffLimit: 0` and `restartPolicy: Never`
 * (a failing release command fails the deploy once, it is never retried), and a deadline after which the
 * cluster stops it. Its pod carries the deployment's labels and `berth.role=release` but NOT the service
 * label: the service's Deployment and Service select by that label, and a release pod must never be
 * adopted or routed.
 */
import type { JobObject } from '../runtime/kubernetes/objects.js';
import { APP_CONTAINER_NAME, MANAGED_BY, deploymentSecretName, projectNamespaceName } from './kubernetes-names.js';
import type { KubernetesAppWorkload } from './kubernetes-spec.js';
import { MANAGED_BY_LABEL, containerResources } from './kubernetes-spec.js';
import { LABELS, ROLES, deploymentLabels, projectLabels } from './labels.js';

/** `release-<deployment id without its prefix>`: unique in the namespace, and short (a Job's name is a label value). */
export function releaseJobName(deploymentId: string): string {
  return `release-${deploymentId.slice(4)}`;
}

export function releaseJobObject(workload: KubernetesAppWorkload, argv: string[], deadlineSeconds: number): JobObject {
  const { project, service, deploymentId } = workload;
  const podLabels = {
    ...projectLabels(project.id),
    [LABELS.deployment]: deploymentId,
    [LABELS.role]: ROLES.release,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: releaseJobName(deploymentId),
      namespace: projectNamespaceName(project.id),
      labels: {
        ...deploymentLabels({ projectId: project.id, serviceId: service.id, deploymentId }),
        [LABELS.role]: ROLES.release,
        [MANAGED_BY_LABEL]: MANAGED_BY,
      },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadlineSeconds,
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [
            {
              name: APP_CONTAINER_NAME,
              image: workload.image,
              imagePullPolicy: workload.imagePullPolicy,
              args: argv,
              env: [{ name: 'PORT', value: String(workload.port) }],
              envFrom: [{ secretRef: { name: deploymentSecretName(service.name, deploymentId) } }],
              resources: containerResources(service.resources),
            },
          ],
          ...(workload.pullSecretName ? { imagePullSecrets: [{ name: workload.pullSecretName }] } : {}),
          restartPolicy: 'Never',
          enableServiceLinks: false,
          automountServiceAccountToken: false,
        },
      },
    },
  };
}
