/**
 * The Autoscaling section of the service page (Settings tab): the policy (or an empty state that explains
 * it), the autoscaler's last decision in words, a form to set it and a button to stop autoscaling. Loaded
 * by htmx (`GET /services/:id/autoscaling`); a navigation to that address shows the whole page. Forms post
 * with their CSRF token; without JavaScript they answer with a redirect to the service's settings.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { isHtmx, isPageRequest, keepUrl } from '../../htmx.js';
import { statusOf } from '../../plugins/error-handler.js';
import { can } from '../../route-access.js';
import { asFormError, formBody } from './forms.js';
import { servicePageData } from './services.routes.js';

const hidden = { hide: true } as const;
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const serviceParams = { type: 'object', required: ['id'], properties: { id } } as const;
const FIELDS = ['enabled', 'minReplicas', 'maxReplicas', 'metric', 'target', 'cooldownSeconds'];
type Form = Partial<Record<(typeof FIELDS)[number], string>>;

/** Form text → the API's shape; a number that is not one stays text so the policy check names the field. */
function policyFromForm(form: Form): Record<string, unknown> {
  const number = (value: string | undefined) =>
    value !== undefined && /^\d{1,9}$/.test(value.trim()) ? Number(value) : value;
  return {
    enabled: form.enabled === 'on',
    minReplicas: number(form.minReplicas),
    maxReplicas: number(form.maxReplicas),
    metric: form.metric,
    target: number(form.target),
    cooldownSeconds: number(form.cooldownSeconds),
  };
}

export async function autoscaleUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const model = { serviceId, policy: (await ctx.autoscale.get(serviceId)) ?? null, ...extra };
    if (isPageRequest(request)) {
      const page = await servicePageData(ctx, serviceId, { tab: 'settings', autoscaling: model });
      return reply.page('service', page, status);
    }
    return reply.page('service-autoscaling', model, status);
  };

  app.get<{ Params: { id: string } }>(
    '/services/:id/autoscaling',
    { config: can('project.read', 'service'), schema: { ...hidden, params: serviceParams } },
    async (request, reply) => {
      await ctx.projects.getService(request.params.id);
      return show(request, reply, request.params.id);
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    '/services/:id/autoscaling',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: serviceParams, body: formBody([], FIELDS) },
    },
    async (request, reply) => {
      const serviceId = request.params.id;
      await ctx.projects.getService(serviceId);
      try {
        const policy = await ctx.autoscale.put(serviceId, policyFromForm(request.body));
        const notice = policy.enabled
          ? `Autoscaling between ${policy.minReplicas} and ${policy.maxReplicas} replicas.`
          : 'Autoscaling is paused; the policy is kept.';
        if (!isHtmx(request)) {
          reply.flash('success', notice);
          return reply.redirect(`/services/${serviceId}/settings`, 303);
        }
        keepUrl(reply);
        return show(request, reply, serviceId, { notice });
      } catch (error) {
        const refused = asFormError(error);
        if (!refused) throw error;
        keepUrl(reply);
        const form = { ...request.body, enabled: request.body.enabled === 'on' };
        return show(
          request,
          reply,
          serviceId,
          { error: refused.message, errors: refused.details ?? {}, form },
          statusOf(refused.code),
        );
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/services/:id/autoscaling/delete',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: serviceParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const serviceId = request.params.id;
      await ctx.projects.getService(serviceId);
      await ctx.autoscale.remove(serviceId);
      const notice = 'Autoscaling is off; the replica count stays where it is.';
      if (!isHtmx(request)) {
        reply.flash('success', notice);
        return reply.redirect(`/services/${serviceId}/settings`, 303);
      }
      keepUrl(reply);
      return show(request, reply, serviceId, { notice });
    },
  );
}
