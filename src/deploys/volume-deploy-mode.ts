/**
 * How a service with volumes deploys. Its Docker volumes are made when missing (kept across deploys and
 * rollbacks: only deleting the volume or the service removes one) and mounted into the release container
 * and every replica. A volume that is not marked shared must never have two writers, so such a deploy is
 * stop-then-start: the old replicas and the old release's workers (they mount the volumes too) stop before
 * the release command and the new replicas start (a brief downtime, said in the deployment log). If the
 * deploy then fails, the old replicas and workers start again and are routed as before. With every volume
 * shared (or none), the zero-downtime switch is unchanged. Cron runs and workers started outside a deploy
 * (a new replica count) mount the volumes as configured now (currentVolumeMounts).
 */
import type { VolumeMount } from '../runtime/runtime.js';
import { isReplicaContainer, isWorkerContainer, LABELS, serviceSelector } from '../workloads/labels.js';
import { serviceVolumeMounts, serviceVolumeSpec } from '../workloads/volume-spec.js';
import type { DeployDeps, RunContext } from './deploy-context.js';
import { findActiveDeployment } from './deployments.repository.js';
import { routeActiveDeployments } from './route-restore.js';

export interface VolumePlan {
  mounts: VolumeMount[];
  /** Names of the volumes that are not shared (any: stop-then-start). */
  exclusive: string[];
}

/** Makes the service's Docker volumes when missing and says how they are mounted. */
export async function prepareVolumes(ctx: RunContext): Promise<VolumePlan> {
  const volumes = (await ctx.deps.volumes?.volumesOf(ctx.service.id)) ?? [];
  const owner = { projectId: ctx.project.id, serviceId: ctx.service.id };
  for (const v of volumes) {
    const spec = serviceVolumeSpec(owner, v.name);
    const created = await ctx.deps.runtime.ensureVolume(spec.name, spec.labels);
    ctx.log.line(
      `Volume ${v.name} at ${v.mountPath} (${created ? 'created, empty' : 'kept'}${v.shared ? ', shared' : ''})`,
    );
  }
  return {
    mounts: serviceVolumeMounts(ctx.service.id, volumes),
    exclusive: volumes.filter((v) => !v.shared).map((v) => v.name),
  };
}

/**
 * Makes the service's Docker volumes when missing (labelled as at a deploy) and returns their mounts: for
 * a container started outside a deploy (a cron run, a worker replica added by a new count).
 */
export async function currentVolumeMounts(
  deps: Pick<DeployDeps, 'runtime' | 'volumes'>,
  owner: { projectId: string; serviceId: string },
): Promise<VolumeMount[]> {
  const volumes = (await deps.volumes?.volumesOf(owner.serviceId)) ?? [];
  for (const v of volumes) {
    const spec = serviceVolumeSpec(owner, v.name);
    await deps.runtime.ensureVolume(spec.name, spec.labels);
  }
  return serviceVolumeMounts(owner.serviceId, volumes);
}

/**
 * Stop-then-start: stops the running replicas and workers of earlier deployments. Returns their ids (to
 * start again on failure). Workers stop first: they hold no traffic, and the web replicas serve longest.
 */
export async function stopOldReplicasFirst(ctx: RunContext, plan: VolumePlan): Promise<string[]> {
  if (plan.exclusive.length === 0) return [];
  const { runtime, timing } = ctx.deps;
  const running = (await runtime.listContainers(serviceSelector(ctx.service.id))).filter(
    (c) => c.state === 'running' && c.labels[LABELS.deployment] && c.labels[LABELS.deployment] !== ctx.deployment.id,
  );
  const workers = running.filter((c) => isWorkerContainer(c.labels));
  const old = [...workers, ...running.filter((c) => isReplicaContainer(c.labels))];
  const workerWords = workers.length > 0 ? ` and ${workers.length} old worker container(s)` : '';
  ctx.log.line(
    `Stop-then-start: the volume(s) ${plan.exclusive.join(', ')} are not shared between old and new containers, ` +
      `so the ${old.length - workers.length} old container(s)${workerWords} stop before the new ones start ` +
      '(brief downtime). Mark a volume shared if the app can use it from two containers at once.',
  );
  const stopped: string[] = [];
  for (const c of old) {
    try {
      await runtime.stopContainer(c.id, timing.stopTimeoutSeconds);
      stopped.push(c.id);
    } catch (error) {
      // A container of an earlier release can be removed by its drain meanwhile: gone is as good as stopped.
      if ((await runtime.inspectContainer(c.id)) !== undefined) throw error;
    }
  }
  return stopped;
}

/** After a failed stop-then-start deploy: the old replicas (and workers) run and serve again. */
export async function startOldReplicasAgain(ctx: RunContext, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { runtime } = ctx.deps;
  for (const id of ids) {
    if ((await runtime.inspectContainer(id)) !== undefined) await runtime.startContainer(id);
  }
  await routeServiceAgain(ctx.deps, ctx.service.id);
  ctx.log.line(`Started the ${ids.length} old container(s) again`);
}

/** Points the service's route at its active deployment's running containers (after they were restarted). */
export async function routeServiceAgain(deps: DeployDeps, serviceId: string): Promise<void> {
  const active = await findActiveDeployment(deps.db, serviceId);
  if (!active) return;
  await routeActiveDeployments(deps, [active], await deps.runtime.listContainers(serviceSelector(serviceId)));
}
