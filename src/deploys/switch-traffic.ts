/**
 * The switch: swap the route atomically to the new containers, record the new deployment as the one
 * active deployment, then let the old containers drain and remove them.
 */
import { nowIso } from '../lib/ids.js';
import type { RunContext } from './deploy-context.js';
import { hostnamesOf, removeContainers } from './deploy-steps.js';
import type { Deployment } from './deployment.types.js';
import type { Upstream } from './ports.js';

export async function activate(
  ctx: RunContext,
  upstreams: Upstream[],
  previous: Deployment | undefined,
  timings: Record<string, number>,
): Promise<void> {
  const { db, router, runtime, timing } = ctx.deps;
  router.setRoute(hostnamesOf(ctx), ctx.service.id, upstreams);
  ctx.log.line(`Traffic switched to ${upstreams.length} new container(s)`);
  // Exactly one active deployment per service: both rows change in one transaction.
  await db.transaction().execute(async (trx) => {
    if (previous)
      await trx.updateTable('deployments').set({ status: 'replaced' }).where('id', '=', previous.id).execute();
    await trx
      .updateTable('deployments')
      .set({ status: 'active', phase_timings: JSON.stringify(timings), finished_at: nowIso(), error: null })
      .where('id', '=', ctx.deployment.id)
      .execute();
  });
  const old = await runtime.listContainers({ 'berth.service': ctx.service.id });
  const oldIds = old
    .filter((c) => c.labels['berth.deployment'] !== ctx.deployment.id && c.labels['berth.role'] !== 'release')
    .map((c) => c.id);
  if (oldIds.length === 0) return;
  const drain = await router.waitForDrain(oldIds, timing.drainTimeoutMs);
  ctx.log.line(
    drain.drained
      ? `Old containers drained; stopping ${oldIds.length}`
      : `Drain timeout: ${drain.remaining} request(s) still open on the old containers; stopping them`,
  );
  await removeContainers(ctx, oldIds);
}
