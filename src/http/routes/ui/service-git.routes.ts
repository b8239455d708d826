/** The "Git & webhooks" tab of a service page (`/services/:id/git`), its card for htmx, and rotating its hook secrets. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { isPageRequest } from '../../htmx.js';
import { serviceIdParams } from '../api/deployment-schemas.js';
import { renderServicePage } from './services.routes.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;

export async function serviceGitUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const find = (id: string) => ctx.deploys.requireService(id);

  app.get<{ Params: { id: string } }>(
    '/services/:id/git',
    { config: can('project.deploy', 'service'), schema: { ...hidden, params: serviceIdParams } },
    async (request, reply) => {
      const { project, service } = await find(request.params.id);
      if (isPageRequest(request)) return renderServicePage(reply, ctx, service.id, { tab: 'git' });
      await reply.page('service-git', {
        title: `Git push and webhooks of ${service.name}`,
        service,
        project,
        git: await ctx.hooks.endpointsOf(project, service),
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/services/:id/git/rotate',
    {
      config: can('project.admin', 'service'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: serviceIdParams,
        body: { type: 'object', properties: { _csrf: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const { project, service } = await find(request.params.id);
      await ctx.hooks.rotateSecrets(service.id);
      await reply.page('service-git', {
        title: `Git push and webhooks of ${service.name}`,
        service,
        project,
        git: await ctx.hooks.endpointsOf(project, service),
        rotated: true,
      });
    },
  );
}
