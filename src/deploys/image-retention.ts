/** Keeps the images of the newest successful deployments of a service (rollback targets); removes Berth's older ones. */
import type { Db } from '../db/connection.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { isBuiltImageOf } from '../workloads/names.js';
import { listDeploymentsWithImages } from './deployments.repository.js';

export const DEFAULT_IMAGES_KEPT = 5;

export async function pruneServiceImages(
  db: Db,
  runtime: Runtime,
  logger: Logger,
  serviceId: string,
  options: { keep?: number; registryPrefix?: string } = {},
): Promise<string[]> {
  const keep = options.keep ?? DEFAULT_IMAGES_KEPT;
  const deployments = await listDeploymentsWithImages(db, serviceId);
  const kept = new Set(deployments.slice(0, keep).map((d) => d.image));
  const removed: string[] = [];
  for (const deployment of deployments.slice(keep)) {
    const image = deployment.image!;
    // Only images Berth built (berth/<service>:<deployment>, or that pushed to the registry); a user's image source is never removed.
    if (kept.has(image) || !isBuiltImageOf(serviceId, image, options.registryPrefix)) continue;
    try {
      await runtime.removeImage(image);
      removed.push(image);
    } catch (error) {
      logger.warn({ err: error, image }, 'could not remove an old image');
    }
  }
  return removed;
}
