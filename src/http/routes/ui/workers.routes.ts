/**
 * The Processes section of the service page (Deployments tab): the worker process types of the active
 * release with their replica count and state, and a form per type to change the count (applied at once).
 * The section loads by htmx (`GET /services/:id/processes`); a navigation to that address shows the whole
 * page. The form posts with its CSRF token; without JavaScript it answers with a redirect to the service.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { isHtmx, isPageRequest, keepUrl } from '../../htmx.js';
import { can } from '../../route-access.js';
import { statusOf } from '../../plugins/error-handler.js';
import { asFormError, formBody } from './forms.js';
import { servicePageData } from './services.routes.js';

const hidden = { hide: true } as const;
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const serviceParams = { type: 'object', required: ['id'], properties: { id } } as const;
const processParams = {
  type: 'object',
  required: ['id', 'type'],
  properties: { id, type: { type: 'string', maxLength: 64 } },
} as const;

export async function workersUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const model = { serviceId, ...(await ctx.workers.list(serviceId)), ...extra };
    if (isPageRequest(request)) {
      const page = await servicePageData(ctx, serviceId, { tab: 'deployments', processList: model });
      return reply.page('service', page, status);
    }
    return reply.page('service-processes', model, status);
  };

  app.get<{ Params: { id: string } }>(
    '/services/:id/processes',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceParams } },
    async (request, reply) => show(request, reply, request.params.id),
  );

  app.post<{ Params: { id: string; type: string }; Body: { replicas?: string } }>(
    '/services/:id/processes/:type',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: processParams, body: formBody([], ['replicas']) },
    },
    async (request, reply) => {
      const { id: serviceId, type } = request.params;
      try {
        const view = await ctx.workers.setReplicas(serviceId, type, request.body.replicas ?? '');
        const notice =
          view.replicas === 0
            ? `${type} is off.`
            : `${type} runs ${view.replicas} replica${view.replicas === 1 ? '' : 's'}.`;
        if (!isHtmx(request)) {
          reply.flash('success', notice);
          return reply.redirect(`/services/${serviceId}`, 303);
        }
        keepUrl(reply);
        return show(request, reply, serviceId, { notice });
      } catch (error) {
        const refused = asFormError(error);
        if (!refused) throw error;
        keepUrl(reply);
        return show(request, reply, serviceId, { error: refused.message, errorType: type }, statusOf(refused.code));
      }
    },
  );
}
