/**
 * Removes Docker objects of THIS install whose owner is gone: containers, images and networks carrying
 * `berth.install=<our id>` and a `berth.service` or `berth.project` that no longer exists in the database
 * (a delete that failed half-way, a daemon killed mid-deploy, rows removed by hand). Objects of another
 * install id, or without one (made before install ids existed, or by something else), are never touched.
 * Volumes are never removed here: they hold data.
 */
import type { Db } from '../db/connection.js';
import type { Job } from '../jobs/scheduler.js';
import type { Logger } from '../logger.js';
import type { Runtime } from '../runtime/runtime.js';
import { installSelector, LABELS } from '../workloads/labels.js';
import { listOwnerIds } from './lifecycle.repository.js';

export interface OrphanDeps {
  db: Db;
  runtime: Runtime;
  logger: Logger;
  installId: string;
}

export interface ReconcileResult {
  containers: string[];
  images: string[];
  networks: string[];
}

/** Every five minutes (and once at start). */
export const RECONCILE_SCHEDULE = '*/5 * * * *';

export async function reconcileOrphans(deps: OrphanDeps): Promise<ReconcileResult> {
  const { runtime, logger } = deps;
  const removed: ReconcileResult = { containers: [], images: [], networks: [] };
  if (!runtime.state().available) return removed;
  const mine = installSelector(deps.installId);
  // The engine first, the database second: an owner created in between has no objects in these lists yet,
  // so a brand-new service's first container can never look orphaned.
  const containers = await runtime.listContainers(mine);
  const images = await runtime.listImages(mine);
  const networks = await runtime.listNetworks(mine);
  const owners = await listOwnerIds(deps.db);
  const isOrphan = (labels: Record<string, string>) => {
    if (labels[LABELS.install] !== deps.installId) return false;
    const service = labels[LABELS.service];
    const project = labels[LABELS.project];
    if (service !== undefined && !owners.services.has(service)) return true;
    return project !== undefined && !owners.projects.has(project);
  };

  for (const container of containers.filter((c) => isOrphan(c.labels))) {
    await runtime.removeContainer(container.id, { volumes: true }).then(
      () => removed.containers.push(container.name),
      (error: unknown) =>
        logger.warn({ err: error, container: container.name }, 'could not remove an orphan container'),
    );
  }
  // After the containers: an image or network still in use cannot go.
  for (const image of images.filter((i) => isOrphan(i.labels))) {
    const refs = image.tags.length > 0 ? image.tags : [image.id];
    for (const ref of refs) {
      await runtime.removeImage(ref).then(
        () => removed.images.push(ref),
        (error: unknown) => logger.warn({ err: error, image: ref }, 'could not remove an orphan image'),
      );
    }
  }
  for (const network of networks.filter((n) => isOrphan(n.labels))) {
    await runtime.removeNetwork(network.name).then(
      () => removed.networks.push(network.name),
      (error: unknown) => logger.warn({ err: error, network: network.name }, 'could not remove an orphan network'),
    );
  }
  const count = removed.containers.length + removed.images.length + removed.networks.length;
  if (count > 0) logger.info(removed, 'removed Docker objects whose service or project no longer exists');
  return removed;
}

export function orphanReconcileJob(deps: OrphanDeps): Job {
  return {
    name: 'orphan-reconcile',
    schedule: RECONCILE_SCHEDULE,
    run: async () => {
      await reconcileOrphans(deps);
    },
  };
}
