/**
 * Where a rollback's image comes from. Berth keeps the last few images of a service on this server
 * (image-retention.ts); with an image registry configured every built image was also pushed there
 * (image-publish.ts), so an older one that retention removed here can come back from the registry: the
 * Docker scheduler pulls it with the registry's credentials, the Kubernetes scheduler's nodes pull it
 * themselves (with the pull Secret). Without a registry, an image gone from this server is gone.
 */
import { AppError } from '../errors.js';
import type { DeployDeps } from './deploy-context.js';
import { DEFAULT_IMAGES_KEPT } from './image-retention.js';
import { isRegistryImage, registryAuth } from './image-publish.js';

type ImageDeps = Pick<DeployDeps, 'config' | 'runtime'>;

/** Asked before a rollback is queued: refuses (409) when the image is neither here nor in the registry. */
export async function refuseUnavailableRollbackImage(
  deps: ImageDeps,
  deploymentId: string,
  image: string,
): Promise<void> {
  if (await deps.runtime.hasImage(image)) return;
  const gone = `The image of deployment ${deploymentId} is no longer on this server (Berth keeps the last ${DEFAULT_IMAGES_KEPT} per service)`;
  if (!isRegistryImage(deps.config, image)) throw new AppError('CONFLICT', `${gone}.`);
  let inRegistry: boolean;
  try {
    inRegistry = await deps.runtime.registryHasImage(image, registryAuth(deps.config));
  } catch (error) {
    throw new AppError('CONFLICT', `${gone}, and ${(error as Error).message}.`);
  }
  if (!inRegistry) throw new AppError('CONFLICT', `${gone} nor in the registry ${deps.config.imageRegistry!.host}.`);
}

/**
 * Run by the deploy: makes the image available where the release runs, or says why it cannot.
 * Returns a failure message, or undefined when the release can start.
 */
export async function fetchRollbackImage(
  deps: ImageDeps,
  scheduler: 'docker' | 'kubernetes',
  image: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  if (await deps.runtime.hasImage(image)) return undefined;
  if (!isRegistryImage(deps.config, image)) return `The image ${image} is no longer on this server.`;
  if (scheduler === 'kubernetes') {
    log(`The image is no longer on this server; the cluster's nodes pull it from ${deps.config.imageRegistry!.host}`);
    return undefined;
  }
  log(`The image is no longer on this server; pulling it back from ${deps.config.imageRegistry!.host}`);
  try {
    await deps.runtime.pullImage(image, log, registryAuth(deps.config));
    return undefined;
  } catch (error) {
    return `The image ${image} is no longer on this server, and pulling it from the registry failed: ${(error as Error).message}`;
  }
}
