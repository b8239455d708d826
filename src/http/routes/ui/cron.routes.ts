/**
 * The Cron tab of the service page (`/services/:id/cron`): the jobs with their next and last run, add and
 * edit forms, run now, pause/resume, delete, a job's run history (`?job=`) and a run's log. Forms post with
 * their CSRF token; without JavaScript they answer with a redirect back to the tab, with htmx the section.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { isHtmx, isPageRequest, keepUrl } from '../../htmx.js';
import { can } from '../../route-access.js';
import { statusOf } from '../../plugins/error-handler.js';
import { jobParams, runParams, serviceParams } from '../api/cron-schemas.js';
import { asFormError, formBody } from './forms.js';
import { servicePageData } from './services.routes.js';

const hidden = { hide: true } as const;
const FIELDS = ['name', 'schedule', 'timezone', 'commandMode', 'command', 'overlap', 'timeoutSeconds', 'retries'];
type Form = Partial<Record<(typeof FIELDS)[number], string>>;
type JobParams = { id: string; jobId: string };

/** The form's fields as the cron service takes them (it validates every one: 422 naming the field). */
export function cronInputFromForm(form: Form): Record<string, unknown> {
  const text = (form.command ?? '').replace(/\r\n/g, '\n');
  const command = form.commandMode === 'argv' ? text.split('\n').filter((line) => line.trim() !== '') : text.trim();
  return {
    name: form.name?.trim(),
    schedule: form.schedule,
    timezone: form.timezone?.trim() || 'UTC',
    command,
    overlap: form.overlap,
    timeoutSeconds: form.timeoutSeconds?.trim() || undefined,
    retries: form.retries?.trim() || undefined,
  };
}

export async function cronUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const data = async (serviceId: string, jobId?: string, runId?: string) => {
    const jobs = await ctx.cron.list(serviceId);
    const selected = jobs.find((j) => j.id === jobId);
    return {
      serviceId,
      jobs,
      selected,
      runs: selected ? await ctx.cron.runs(selected.id) : [],
      run: selected && runId ? await ctx.cron.run(selected.id, runId) : undefined,
    };
  };

  /** The whole service page on the Cron tab (a navigation), or the section alone (htmx). */
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    extra: Record<string, unknown> & { jobId?: string; runId?: string } = {},
    status = 200,
  ) => {
    const model = { ...(await data(serviceId, extra.jobId, extra.runId)), ...extra };
    if (isPageRequest(request)) {
      return reply.page('service', await servicePageData(ctx, serviceId, { tab: 'cron', ...model }), status);
    }
    return reply.page('service-cron', model, status);
  };

  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    jobId: string | undefined,
    notice: string,
  ) => {
    if (!isHtmx(request)) {
      reply.flash('success', notice);
      return reply.redirect(`/services/${serviceId}/cron${jobId ? `?job=${jobId}` : ''}`, 303);
    }
    keepUrl(reply);
    return show(request, reply, serviceId, { jobId, notice });
  };

  const formError = async (
    request: FastifyRequest,
    reply: FastifyReply,
    serviceId: string,
    error: unknown,
    extra: { jobId?: string; cronForm?: Form },
  ) => {
    const refused = asFormError(error);
    if (!refused) throw error;
    keepUrl(reply);
    const model = { ...extra, error: refused.message, errors: refused.details ?? {} };
    return show(request, reply, serviceId, model, statusOf(refused.code));
  };

  app.get<{ Params: { id: string }; Querystring: { job?: string } }>(
    '/services/:id/cron',
    {
      config: can('project.read', 'service'),
      schema: {
        ...hidden,
        params: serviceParams,
        querystring: { type: 'object', properties: { job: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => {
      return show(request, reply, request.params.id, { jobId: request.query.job });
    },
  );

  app.get<{ Params: JobParams & { runId: string } }>(
    '/services/:id/cron/:jobId/runs/:runId',
    { config: can('project.read', 'service'), schema: { ...hidden, params: runParams } },
    async (request, reply) => {
      const { id, jobId, runId } = request.params;
      await ctx.cron.get(jobId, id);
      return show(request, reply, id, { jobId, runId });
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    '/services/:id/cron',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: serviceParams, body: formBody([], FIELDS) },
    },
    async (request, reply) => {
      const { id } = request.params;
      try {
        const job = await ctx.cron.create(id, cronInputFromForm(request.body));
        return answer(request, reply, id, job.id, `Cron job ${job.name} added.`);
      } catch (error) {
        return formError(request, reply, id, error, { cronForm: request.body });
      }
    },
  );

  app.post<{ Params: JobParams; Body: Form }>(
    '/services/:id/cron/:jobId',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: jobParams, body: formBody([], FIELDS) },
    },
    async (request, reply) => {
      const { id, jobId } = request.params;
      try {
        const job = await ctx.cron.update(jobId, cronInputFromForm(request.body), id);
        return answer(request, reply, id, job.id, `Cron job ${job.name} saved.`);
      } catch (error) {
        return formError(request, reply, id, error, { jobId });
      }
    },
  );

  for (const [action, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    app.post<{ Params: JobParams }>(
      `/services/:id/cron/:jobId/${action}`,
      {
        config: can('project.deploy', 'service'),
        preValidation: app.csrfProtection,
        schema: { ...hidden, params: jobParams, body: formBody([], []) },
      },
      async (request, reply) => {
        const { id, jobId } = request.params;
        const job = await ctx.cron.setEnabled(jobId, enabled, id);
        return answer(request, reply, id, job.id, `Cron job ${job.name} ${enabled ? 'resumed' : 'paused'}.`);
      },
    );
  }

  app.post<{ Params: JobParams }>(
    '/services/:id/cron/:jobId/run',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: jobParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const { id, jobId } = request.params;
      const run = await ctx.cron.runNow(jobId, id);
      const notice = run.status === 'skipped' ? 'Not started: a run is still going (overlap: skip).' : 'Run started.';
      return answer(request, reply, id, jobId, notice);
    },
  );

  app.post<{ Params: JobParams }>(
    '/services/:id/cron/:jobId/delete',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: jobParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const { id, jobId } = request.params;
      const job = await ctx.cron.get(jobId, id);
      await ctx.cron.remove(jobId, id);
      return answer(request, reply, id, undefined, `Cron job ${job.name} deleted.`);
    },
  );
}
