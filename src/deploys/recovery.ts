/**
 * At start the daemon may find the world as a dead predecessor left it. Deployments it was running become
 * interrupted and their containers, images and working copies go; running containers of active deployments
 * are adopted and routed again; containers of deployments that are no longer live are removed; queued
 * deployments resume.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeployDeps } from './deploy-context.js';
import type { DeployQueue } from './deploy-queue.js';
import type { DeploymentLogStore } from './deployment-log.js';
import { removeBuiltImage, removeContainers } from './deploy-steps.js';
import { listDeploymentsByStatus, markRunningAsInterrupted } from './deployments.repository.js';
import { routeActiveDeployments } from './route-restore.js';
import { restoreWorkers } from './worker-set.js';
import { LABELS, managedLabels } from '../workloads/labels.js';

export async function recoverDeployments(
  deps: DeployDeps,
  queue: DeployQueue,
  logs: DeploymentLogStore,
): Promise<{ adopted: number; removed: number }> {
  const { db, runtime, logger } = deps;
  const interrupted = await markRunningAsInterrupted(db);
  if (interrupted.length > 0)
    logger.warn({ deployments: interrupted.map((d) => d.id) }, 'marked interrupted deployments');
  for (const deployment of interrupted) {
    // Otherwise the log just stops, with no word on why.
    const log = logs.writer(deployment.id);
    log.line(
      'The Berth daemon stopped during this deployment; it was marked interrupted when the daemon started again.',
    );
    await log.close();
  }
  await removeWorkingCopies(deps);

  const active = await listDeploymentsByStatus(db, ['active']);
  const activeIds = new Set(active.map((d) => d.id));
  // Only containers of services in this database: anything else on the engine is not ours to remove.
  const known = new Set(await deps.catalog.listServiceIds());
  const managed = (await runtime.listContainers(managedLabels())).filter((c) =>
    known.has(c.labels[LABELS.service] ?? ''),
  );
  const stale = managed.filter((c) => {
    const deploymentId = c.labels[LABELS.deployment];
    return deploymentId !== undefined && deploymentId !== '' && !activeIds.has(deploymentId);
  });
  await removeContainers(
    { deps },
    stale.map((c) => c.id),
  );
  // After their containers: an image still used by one cannot be removed.
  for (const d of interrupted) await removeBuiltImage(deps, d.serviceId, d.id);

  const adopted = await routeActiveDeployments(deps, active, managed, (serviceId) =>
    logger.warn({ serviceId }, 'active deployment has no running container'),
  );

  // Workers of the active releases: started again if the daemon died before a deploy started them.
  await restoreWorkers(
    deps,
    active.map((d) => d.serviceId),
  );

  for (const queued of await listDeploymentsByStatus(db, ['queued'])) await queue.enqueue(queued.serviceId, queued.id);
  return { adopted, removed: stale.length };
}

/** The runner names a working copy after its deployment id (newId('dep')). */
const DEPLOYMENT_DIR = /^dep_[0-9a-z]+$/;

/**
 * Nothing runs before recovery ends, so every working copy under builds/ is a leftover of a dead run (a
 * SIGKILL skips the runner's own cleanup), holding the sources of possibly private repositories.
 */
async function removeWorkingCopies({ buildsDir, logger }: DeployDeps): Promise<void> {
  const entries = await readdir(buildsDir).catch(() => [] as string[]);
  const leftovers = entries.filter((name) => DEPLOYMENT_DIR.test(name));
  for (const name of leftovers) await rm(join(buildsDir, name), { recursive: true, force: true });
  if (leftovers.length > 0) logger.warn({ dirs: leftovers }, 'removed working copies of dead deployments');
}
