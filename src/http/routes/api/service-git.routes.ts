/** /api/v1/services/:id/git: push remotes, webhook URL and secret, deploy hook, recent deliveries; rotation. */
import type { FastifyInstance } from 'fastify';
import { gitEndpointsOf } from '../../../webhooks/git-endpoints.js';
import { rotateHookSecrets } from '../../../webhooks/service-hooks.js';
import type { AppContext } from '../../context.js';
import { makeRequireToken } from '../../plugins/auth-guards.js';
import { serviceIdParams } from './deployment-schemas.js';
import { requireService } from '../../../projects/service-catalog.js';

const tags = ['git'];
const security = [{ bearerAuth: [] }];

export async function serviceGitApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('preHandler', makeRequireToken(ctx));
  const find = (id: string) => requireService(ctx.deploys.deps.catalog, id);

  app.get<{ Params: { id: string } }>(
    '/services/:id/git',
    {
      schema: {
        tags,
        security,
        summary: 'Push remotes, webhook URL and secret, deploy-hook URL and the last webhook deliveries',
        params: serviceIdParams,
      },
    },
    async (request) => {
      const { project, service } = await find(request.params.id);
      return gitEndpointsOf(ctx, project, service);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/services/:id/git/rotate',
    {
      schema: {
        tags,
        security,
        summary: 'New webhook secret and deploy-hook token (the old ones stop working)',
        params: serviceIdParams,
      },
    },
    async (request) => {
      const { project, service } = await find(request.params.id);
      await rotateHookSecrets(ctx, service.id);
      return gitEndpointsOf(ctx, project, service);
    },
  );
}
