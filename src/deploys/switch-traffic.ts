/**
 * The end of the watch window: record the new deployment as the one active deployment, then make the new
 * containers the route's only upstreams (the previous release stops being the fallback). Returns the old
 * containers, which drain and go in the background (old-release-drain.ts): the deployment is active, and
 * its service's queue free, once this is done.
 *
 * The traffic already went to the new containers at the switch (switch-watch.ts). If the commit fails, the
 * route goes back to the previous release before the error reaches the runner, which then removes the new
 * containers: the route never leads to removed containers. If the route change itself fails, the commit is
 * undone, so the route and the database never disagree.
 */
import type { Db } from '../db/connection.js';
import { inTransaction } from '../db/executor.js';
import { nowIso } from '../lib/ids.js';
import type { RunContext } from './deploy-context.js';
import { hostnamesOf } from './deploy-steps.js';
import type { Deployment } from './deployment.types.js';
import { updateDeployment } from './deployments.repository.js';
import type { Upstream } from './ports.js';
import { isReplicaContainer } from '../workloads/labels.js';

export async function activate(
  ctx: RunContext,
  upstreams: Upstream[],
  previous: Deployment | undefined,
  timings: Record<string, number>,
  /** The previous release's upstreams, which stood by through the window. */
  fallback: Upstream[],
): Promise<string[]> {
  const { db, router, runtime } = ctx.deps;
  try {
    await commitActive(db, ctx.deployment.id, previous, timings);
  } catch (error) {
    if (previous) router.setRoute(hostnamesOf(ctx), ctx.service.id, fallback);
    else router.removeService(ctx.service.id);
    ctx.log.line('Switched back to the previous version: the deployment could not be recorded as active');
    // Requests already on the new containers finish before the runner removes them.
    const drainMs = Math.min(ctx.deps.timing.drainTimeoutMs, 10_000);
    await router.waitForDrain(
      upstreams.map((u) => u.id),
      drainMs,
    );
    throw error;
  }
  try {
    router.setRoute(hostnamesOf(ctx), ctx.service.id, upstreams);
  } catch (error) {
    await undoActive(db, ctx.deployment.id, previous);
    throw error;
  }
  ctx.log.line(`Traffic switched to ${upstreams.length} new container(s)`);
  const old = await runtime.listContainers({ 'berth.service': ctx.service.id });
  return old
    .filter((c) => isReplicaContainer(c.labels) && c.labels['berth.deployment'] !== ctx.deployment.id)
    .map((c) => c.id);
}

/** Exactly one active deployment per service: both rows change in one transaction. */
export async function commitActive(
  db: Db,
  deploymentId: string,
  previous: Deployment | undefined,
  timings: Record<string, number>,
): Promise<void> {
  await inTransaction(db, async (trx) => {
    if (previous) await updateDeployment(trx, previous.id, { status: 'replaced' });
    await updateDeployment(trx, deploymentId, {
      status: 'active',
      phaseTimings: timings,
      finishedAt: nowIso(),
      error: null,
    });
  });
}

/** The previous deployment serves again; the runner then records this one as failed and removes its containers. */
async function undoActive(db: Db, deploymentId: string, previous: Deployment | undefined): Promise<void> {
  await inTransaction(db, async (trx) => {
    await updateDeployment(trx, deploymentId, { status: 'healthy' });
    if (previous) await updateDeployment(trx, previous.id, { status: 'active' });
  });
}
