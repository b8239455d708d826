/**
 * The credentials the cluster pulls Berth's registry images with (BERTH_IMAGE_REGISTRY with a username
 * and password): one `kubernetes.io/dockerconfigjson` Secret per project namespace, named by
 * REGISTRY_PULL_SECRET and referenced as imagePullSecrets by the app's pods and its release Job. Not
 * immutable: a changed password is applied over it. Apps never read it (no service-account token is
 * mounted, and it is not in their envFrom). Pure; tested in test/unit/kubernetes-release-job.test.ts.
 */
import type { SecretObject } from '../runtime/kubernetes/objects.js';
import { MANAGED_BY, projectNamespaceName } from './kubernetes-names.js';
import { projectLabels } from './labels.js';

export const REGISTRY_PULL_SECRET = 'berth-registry-pull';

export interface RegistryCredentials {
  /** `host[:port]`, as image references start. */
  host: string;
  username: string;
  password: string;
}

export function registryPullSecretObject(projectId: string, registry: RegistryCredentials): SecretObject {
  const auth = Buffer.from(`${registry.username}:${registry.password}`, 'utf8').toString('base64');
  const config = { auths: { [registry.host]: { username: registry.username, password: registry.password, auth } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: REGISTRY_PULL_SECRET,
      namespace: projectNamespaceName(projectId),
      labels: { ...projectLabels(projectId), 'app.kubernetes.io/managed-by': MANAGED_BY },
    },
    type: 'kubernetes.io/dockerconfigjson',
    immutable: false,
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config), 'utf8').toString('base64') },
  };
}
