/**
 * A service's live state in the panel: the status badge project and service pages poll (the runtime log
 * page is in service-logs.routes.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CrashReport } from '../../../deploys/service-state.js';
import type { AppContext } from '../../context.js';
import { serviceIdParams } from '../api/deployment-schemas.js';
import { isHtmx } from '../../htmx.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
type WithId = { Params: { id: string } };

export interface ServiceStatus {
  /** The deployment running right now (queued ones are not yet running). */
  deployingId: string | null;
  activeId: string | null;
  running: number;
  total: number;
  /** Set when the engine could not be asked how many containers run. */
  problem: string | null;
  /** Set when a container of the active deployment crashed or is in its restart loop. */
  crash: CrashReport | null;
}

async function statusOf(ctx: AppContext, serviceId: string): Promise<ServiceStatus> {
  const deployingId = ctx.deploys.queue.runningDeploymentOf(serviceId) ?? null;
  const state = await ctx.deploys.state(serviceId);
  return {
    deployingId,
    activeId: state.activeDeploymentId,
    running: state.running,
    total: state.total,
    problem: state.problem,
    crash: state.state === 'crashed' ? (state.crash ?? noContainers) : null,
  };
}

/** An active deployment whose containers are all gone crashed too, with nothing more to say. */
const noContainers: CrashReport = { replica: '1', exitCode: null, restartCount: 0, lastLines: [] };

export async function serviceStatusUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const findService = (id: string) => ctx.deploys.requireService(id);

  app.get<WithId>(
    '/services/:id/status',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply: FastifyReply) => {
      // A fragment for htmx only; a person who opens the URL gets the service page instead.
      if (!isHtmx(request)) return reply.redirect(`/services/${request.params.id}`, 303);
      await findService(request.params.id);
      await reply.page('service-status', {
        serviceId: request.params.id,
        status: await statusOf(ctx, request.params.id),
      });
    },
  );
}
