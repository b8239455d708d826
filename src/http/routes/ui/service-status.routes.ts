/**
 * A service's live state in the panel: the status badge project and service pages poll, and the runtime
 * log page whose WebSocket streams the active deployment's container output.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { dropWhenBacklogged } from '../../../deploys/runtime-logs.js';
import type { CrashReport } from '../../../deploys/service-state.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { requireSameOrigin } from '../../plugins/auth-guards.js';
import { serviceIdParams } from '../api/deployment-schemas.js';
import { isHtmx } from '../../htmx.js';

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
    { schema: { ...hidden, params: serviceIdParams } },
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

  app.get<WithId>('/services/:id/logs', { schema: { ...hidden, params: serviceIdParams } }, async (request, reply) => {
    const { service, project } = await findService(request.params.id);
    await reply.page('service-logs', {
      title: `Logs of ${service.name} · ${project.name}`,
      service,
      project,
      active: (await ctx.deploys.activeDeployment(service.id)) ?? null,
    });
  });

  app.get<WithId>(
    '/services/:id/logs/ws',
    { websocket: true, preHandler: requireSameOrigin, schema: { ...hidden, params: serviceIdParams } },
    async (socket, request) => {
      // Plain text frames; the page inserts them with textContent, so nothing is ever parsed as HTML.
      const aborted = new AbortController();
      socket.on('close', () => aborted.abort());
      socket.on('error', () => aborted.abort());
      try {
        const send = dropWhenBacklogged(
          (line) => {
            if (socket.readyState === socket.OPEN) socket.send(line);
          },
          () => socket.bufferedAmount,
        );
        const { deploymentId } = await ctx.deploys.followLogs(
          request.params.id,
          { follow: true, signal: aborted.signal },
          send,
        );
        if (!deploymentId) send('This service has no active deployment.');
      } catch (error) {
        request.log.warn({ err: error, serviceId: request.params.id }, 'runtime log follow ended with an error');
        const reason = error instanceof AppError ? error.message : 'internal error';
        if (socket.readyState === socket.OPEN) socket.send(`--- the log stopped: ${reason}`);
      } finally {
        if (socket.readyState === socket.OPEN) socket.close(1000, 'end of log');
      }
    },
  );
}
