/**
 * Registry images on the kubernetes scheduler (BERTH_IMAGE_REGISTRY): such an image can be pulled by any
 * node (imagePullPolicy IfNotPresent: each tag is one deployment's and never changes, so a node that has
 * it needs no registry round trip, and one that does not pulls it), with the registry's credentials as a
 * pull Secret in the project's namespace when the registry wants some (kubernetes-pull-secret.ts).
 */
import type { KubeObject } from '../runtime/kubernetes/objects.js';
import { registryPullSecretObject, type RegistryCredentials } from '../workloads/kubernetes-pull-secret.js';
import type { RunContext } from './deploy-context.js';

/** An image Berth pushed to the configured registry (image-publish.ts): every node can pull it. */
export function isInRegistry(registryPrefix: string | undefined, image: string): boolean {
  return registryPrefix !== undefined && image.startsWith(`${registryPrefix}/`);
}

/** The registry's credentials, when the image is in the registry and the registry wants some. */
export function pullCredentials(ctx: RunContext, image: string): RegistryCredentials | undefined {
  const registry = ctx.deps.config.imageRegistry;
  if (!registry?.username || registry.password === undefined || !isInRegistry(registry.prefix, image)) return undefined;
  return { host: registry.host, username: registry.username, password: registry.password };
}

/** The objects with the registry pull Secret after the Namespace, when the image needs it. */
export function withPullSecret(ctx: RunContext, image: string, objects: readonly KubeObject[]): KubeObject[] {
  const credentials = pullCredentials(ctx, image);
  if (!credentials) return [...objects];
  const [namespace, ...rest] = objects;
  return [namespace!, registryPullSecretObject(ctx.project.id, credentials), ...rest];
}
