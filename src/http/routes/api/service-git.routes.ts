/** /api/v1/services/:id/git: push remotes, webhook URL and secret, deploy hook, recent deliveries; rotation. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { serviceIdParams } from './deployment-schemas.js';
import { can } from '../../route-access.js';

const tags = ['git'];
const security = [{ bearerAuth: [] }];

export async function serviceGitApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const find = (id: string) => ctx.deploys.requireService(id);

  app.get<{ Params: { id: string } }>(
    '/services/:id/git',
    {
      config: can('project.deploy', 'service'),
      schema: {
        tags,
        security,
        summary: 'Push remotes, webhook URL and secret, deploy-hook URL and the last webhook deliveries',
        params: serviceIdParams,
      },
    },
    async (request) => {
      const { project, service } = await find(request.params.id);
      return ctx.hooks.endpointsOf(project, service);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/services/:id/git/rotate',
    {
      config: can('project.admin', 'service'),
      schema: {
        tags,
        security,
        summary: 'New webhook secret and deploy-hook token (the old ones stop working)',
        params: serviceIdParams,
      },
    },
    async (request) => {
      const { project, service } = await find(request.params.id);
      await ctx.hooks.rotateSecrets(service.id);
      return ctx.hooks.endpointsOf(project, service);
    },
  );
}
