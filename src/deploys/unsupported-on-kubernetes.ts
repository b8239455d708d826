/**
 * What an app deploy needs that the kubernetes scheduler cannot run yet: volumes (release commands run as
 * Jobs: kubernetes-release.ts; worker processes as Deployments: kubernetes-workers.ts; compose stacks are
 * refused where they are created, with requireDockerScheduler of src/config-scheduler.ts). README "Kubernetes".
 */
import { kubernetesUnsupported } from '../config-scheduler.js';
import type { RunContext } from './deploy-context.js';

/** A deploy of an app that needs what the cluster cannot run yet fails before anything is applied. */
export async function refuseUnsupportedOnKubernetes(ctx: RunContext): Promise<void> {
  const volumes = (await ctx.deps.volumes?.volumesOf(ctx.service.id)) ?? [];
  if (volumes.length > 0) throw kubernetesUnsupported(`Volumes (${volumes.map((v) => v.name).join(', ')}) are`);
}
