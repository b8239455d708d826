/** Deployments in the panel: deploy button, the list on a service page, a deployment page with its live log. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { requireSameOrigin } from '../../plugins/auth-guards.js';
import { hxRedirect, isHtmx } from '../../htmx.js';
import { deploymentIdParams, serviceIdParams } from '../api/deployment-schemas.js';
import { ACTIVE_PHASES } from '../../../deploys/deployment.types.js';
import type { Deployment } from '../../../deploys/deployment.types.js';
import { renderServicePage } from './services.routes.js';
import { cancelWords } from '../../../deploys/serving-words.js';
import { watchAccess } from '../../open-connections.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const csrfBody = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;
const deployBody = {
  type: 'object',
  properties: { _csrf: { type: 'string' }, source: { type: 'string', enum: ['url', 'push'] } },
} as const;
const rollbackBody = {
  type: 'object',
  properties: { _csrf: { type: 'string' }, keepCurrentVariables: { type: 'string', enum: ['on', 'true'] } },
} as const;
type WithId = { Params: { id: string } };

/** After a form post, go to the deployment page (htmx follows HX-Redirect with a full navigation). */
const goTo = hxRedirect;

export async function deploymentsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const csrf = { preValidation: app.csrfProtection };
  const isRunning = (status: string) => status === 'queued' || (ACTIVE_PHASES as readonly string[]).includes(status);

  const deploymentPage = async (id: string) => {
    const deployment = await ctx.deploys.get(id);
    const found = await ctx.deploys.findService(deployment.serviceId);
    const history = await ctx.deploys.list(deployment.serviceId);
    const canRollBackTo = (d: Deployment) => d.status === 'replaced' && d.image !== null;
    return {
      title: `Deployment ${deployment.id}`,
      deployment,
      service: found?.service,
      project: found?.project,
      url: await ctx.deploys.urlOf(deployment.serviceId),
      isRunning: isRunning(deployment.status),
      // The stabilisation window after the switch: the badge says "switched, watching for N s" in it.
      watchSeconds: ctx.config.stabilisationMs / 1000,
      hasActive: history.some((d) => d.status === 'active'),
      // Said only when true: on a first deploy nothing else serves (src/deploys/serving-words.ts).
      cancelWords: cancelWords(history.some((d) => d.status === 'active' && d.id !== deployment.id)),
      // This deployment when it can come back; for the live one, the one it replaced.
      rollbackTarget: canRollBackTo(deployment)
        ? deployment
        : deployment.status === 'active'
          ? (history.find(canRollBackTo) ?? null)
          : null,
      // Finished deployments show their stored log in the page; running ones stream it over a WebSocket.
      lines: isRunning(deployment.status) ? [] : await ctx.deploys.logs.read(deployment.id),
    };
  };

  app.post<WithId & { Body: { source?: 'url' | 'push' } }>(
    '/services/:id/deploy',
    {
      config: can('project.deploy', 'service'),
      ...csrf,
      schema: { ...hidden, params: serviceIdParams, body: deployBody },
    },
    async (request, reply) => {
      await ctx.deploys.requireService(request.params.id);
      const deployment = await ctx.deploys.deploy(request.params.id, 'manual', request.user!.email, {
        source: request.body.source,
      });
      reply.flash('success', 'Deployment queued. Its log follows live below.');
      return goTo(request, reply, `/deployments/${deployment.id}`);
    },
  );

  // The Deployments tab of the service page (the list also fetches itself again from here when live).
  app.get<WithId>(
    '/services/:id/deployments',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      await ctx.deploys.requireService(request.params.id);
      await renderServicePage(reply, ctx, request.params.id, { tab: 'deployments' });
    },
  );

  app.get<WithId>(
    '/deployments/:id',
    { config: can('project.read', 'deployment'), schema: { ...hidden, params: deploymentIdParams } },
    async (request, reply) => {
      await reply.page('deployment', await deploymentPage(request.params.id));
    },
  );

  app.post<WithId>(
    '/deployments/:id/cancel',
    {
      config: can('project.deploy', 'deployment'),
      ...csrf,
      schema: { ...hidden, params: deploymentIdParams, body: csrfBody },
    },
    async (request, reply) => {
      await ctx.deploys.cancel(request.params.id);
      // htmx swaps the summary in place (the phase changes on the open page); the page says what it means.
      if (isHtmx(request)) return reply.page('deployment', await deploymentPage(request.params.id));
      reply.flash('info', (await deploymentPage(request.params.id)).cancelWords.done);
      return goTo(request, reply, `/deployments/${request.params.id}`);
    },
  );

  app.post<WithId & { Body: { keepCurrentVariables?: string } }>(
    '/deployments/:id/rollback',
    {
      config: can('project.deploy', 'deployment'),
      ...csrf,
      schema: { ...hidden, params: deploymentIdParams, body: rollbackBody },
    },
    async (request, reply) => {
      const keepCurrentVariables = request.body.keepCurrentVariables !== undefined;
      const deployment = await ctx.deploys.rollback(request.params.id, request.user!.email, { keepCurrentVariables });
      reply.flash(
        'success',
        `Rolling back to ${request.params.id} with ${keepCurrentVariables ? 'the current variables' : 'the variables it ran with'}.`,
      );
      return goTo(request, reply, `/deployments/${deployment.id}`);
    },
  );

  app.get<WithId>(
    '/deployments/:id/log/ws',
    {
      config: can('project.read', 'deployment'),
      websocket: true,
      preHandler: requireSameOrigin,
      schema: { ...hidden, params: deploymentIdParams },
    },
    async (socket, request) => {
      // Lines are sent as plain text frames; the page inserts them with textContent, so nothing is ever parsed as HTML.
      const aborted = new AbortController();
      // Closed at once when the member is removed or their role no longer lets them read this deployment.
      const unwatch = watchAccess(ctx, request, () => socket.close(1008, 'Your access changed.'));
      socket.on('close', () => {
        unwatch();
        aborted.abort();
      });
      socket.on('error', () => aborted.abort());
      try {
        await ctx.deploys.logs.follow(request.params.id, (line) => socket.send(line), aborted.signal);
      } finally {
        if (socket.readyState === socket.OPEN) socket.close(1000, 'end of log');
      }
    },
  );
}
