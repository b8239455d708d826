/**
 * With an image registry configured (BERTH_IMAGE_REGISTRY), a built image is pushed there before it runs,
 * so that any node of a cluster can pull it, and the deployment records the registry reference: the
 * container (or pod) runs exactly what the registry holds, and a rollback runs the same reference. The
 * local build tag is dropped after the push (the engine keeps the image under its registry name), so image
 * retention has one name per deployment to remove. A push that fails fails the deployment before anything
 * new runs; the previous release keeps serving.
 */
import type { RegistryAuth } from '../runtime/runtime.js';
import { registryImageTag } from '../workloads/names.js';
import type { DeployDeps } from './deploy-context.js';

/** The configured registry's credentials for the engine, when it has any. */
export function registryAuth(config: DeployDeps['config']): RegistryAuth | undefined {
  const registry = config.imageRegistry;
  return registry?.username && registry.password
    ? { username: registry.username, password: registry.password, serverAddress: registry.host }
    : undefined;
}

/** A reference Berth pushed to the configured registry (a rollback can get it back from there). */
export function isRegistryImage(config: DeployDeps['config'], image: string): boolean {
  const prefix = config.imageRegistry?.prefix;
  return prefix !== undefined && image.startsWith(`${prefix}/`);
}

export async function publishBuiltImage(
  deps: Pick<DeployDeps, 'config' | 'runtime'>,
  built: { image: string; serviceId: string; deploymentId: string },
  log: (line: string) => void,
): Promise<string> {
  const registry = deps.config.imageRegistry;
  if (!registry) return built.image;
  const ref = registryImageTag(registry.prefix, built.serviceId, built.deploymentId);
  const auth = registryAuth(deps.config);
  log(`Pushing the image to ${registry.prefix} as ${ref}`);
  await deps.runtime.tagImage(built.image, ref);
  try {
    await deps.runtime.pushImage(ref, { auth, onLine: log });
  } catch (error) {
    await deps.runtime.removeImage(ref).catch(() => undefined);
    throw error;
  }
  await deps.runtime.removeImage(built.image);
  log(`Pushed ${ref}`);
  return ref;
}
