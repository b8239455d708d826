/**
 * The worker processes of a deployment (Procfile types beyond `web`, issue 19):
 * - recordReleaseProcesses, after the build: the release's process types, from the Procfile in the build
 *   context (for a Dockerfile or a buildpack alike); a rollback takes those of the release it restores; an
 *   image source has none. A bad Procfile line fails the deploy before anything starts.
 * - replaceWorkers, after the web containers are healthy and the traffic switched: the new release's
 *   workers start (with the service's volumes, as the web replicas), are given the stabilisation window to
 *   stay up, and then the other releases' workers stop (gracefully; with a volume that is not shared they
 *   were already stopped before the new web replicas started: volume-deploy-mode.ts). A process type gone from the Procfile thus stops; a failed deploy never gets here, so the
 *   old workers keep running.
 */
import { join } from 'node:path';
import { processTypesOf } from '../build/procfile.js';
import { SourceTree, checkRelativePath } from '../build/source-tree.js';
import { AppError } from '../errors.js';
import type { VolumeMount } from '../runtime/runtime.js';
import type { RunContext } from './deploy-context.js';
import { DeployFailure, workloadOf } from './deploy-steps.js';
import { processTypesOfDeployment, recordProcessTypes } from './worker-processes.repository.js';
import {
  plannedReplicas,
  startWorkerReplicas,
  stopWorkers,
  unsettledWorkers,
  withWorkerLock,
  workerContainers,
} from './worker-set.js';

async function procfileTypes(ctx: RunContext): Promise<Record<string, string>> {
  const { service, deployment, deps } = ctx;
  if (deployment.rollbackOf) return processTypesOfDeployment(deps.db, deployment.rollbackOf);
  // A berth.json that declares processes replaces the Procfile (both name the same process types).
  if (ctx.fileProcesses) return ctx.fileProcesses;
  if (service.source.type === 'image') return {};
  const root = await SourceTree.open(join(deps.buildsDir, deployment.id)).catch(() => undefined);
  if (!root) return {};
  const context = checkRelativePath(service.build.context ?? '.', 'build context');
  const tree = context === '.' ? root : await root.subtree(context);
  const text = await tree?.readText('Procfile');
  if (text === undefined) return {};
  try {
    return processTypesOf(text);
  } catch (error) {
    throw new DeployFailure(error instanceof AppError ? error.message : String(error));
  }
}

/** Reads and records the release's worker process types; logs them with their replica counts. */
export async function recordReleaseProcesses(ctx: RunContext): Promise<void> {
  const types = await procfileTypes(ctx);
  await recordProcessTypes(ctx.deps.db, ctx.deployment.id, types);
  if (Object.keys(types).length === 0) return;
  const replicas = await plannedReplicas(ctx.deps, ctx.service.id, types);
  const words = [...replicas].map(([type, n]) => `${type} (${n === 0 ? 'off' : `${n} replica${n === 1 ? '' : 's'}`})`);
  ctx.log.line(`Worker processes: ${words.join(', ')}; they start once the web process serves`);
}

/** Starts this release's workers, then stops every other release's (see the file comment). */
export function replaceWorkers(
  ctx: RunContext,
  image: string,
  env: Record<string, string>,
  volumes: VolumeMount[] = [],
): Promise<void> {
  return withWorkerLock(ctx.service.id, () => replace(ctx, image, env, volumes));
}

async function replace(ctx: RunContext, image: string, env: Record<string, string>, volumes: VolumeMount[]) {
  const { deps, service, deployment } = ctx;
  const types = await processTypesOfDeployment(deps.db, deployment.id);
  const replicas = await plannedReplicas(deps, service.id, types);
  const workload = workloadOf(ctx, image, env, volumes);
  const started: string[] = [];
  for (const [type, count] of replicas) {
    const numbers = Array.from({ length: count }, (_, i) => i + 1);
    started.push(...(await startWorkerReplicas(deps, workload, type, types[type]!, numbers, (l) => ctx.log.line(l))));
  }
  const problems = await unsettledWorkers(deps, started, deps.timing.stabilisationMs);
  for (const problem of problems) ctx.log.line(`Worker warning: ${problem}; see the service's logs`);
  if (started.length > 0 && problems.length === 0) ctx.log.line(`${started.length} worker container(s) running`);
  const old = (await workerContainers(deps, service.id)).filter((c) => c.labels['berth.deployment'] !== deployment.id);
  if (old.length > 0) {
    ctx.log.line(`Stopping ${old.length} worker container(s) of the previous release`);
    await stopWorkers(
      deps,
      old.map((c) => c.id),
    );
    ctx.log.line("The previous release's workers stopped");
  }
}
