/**
 * Panel page of one app service: settings form (with the git credentials, which are write-only: the
 * page says what kind is set, never the secret), variables editor (service-variables.routes.ts) and the
 * place where the deploy feature shows deployments.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { formFromService, settingsFromForm, type FormFields } from '../../../projects/service-form.js';
import { summarizeSource, toServiceView } from '../../../projects/service-view.js';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { idParams } from '../api/project-schemas.js';
import { asFormError, credentialsFromForm, DELETE_FORM_ERRORS, formBody, renderFormError } from './forms.js';

const hidden = { hide: true } as const;

/** The fields that carry a secret: read once, never rendered back into a page. */
const SECRET_FIELDS = new Set(['gitToken', 'sshPrivateKey']);

const SETTINGS_FIELDS = [
  'sourceType',
  'gitUrl',
  'branch',
  'image',
  'port',
  'replicas',
  'healthcheckType',
  'healthcheckPath',
  'healthcheckStatus',
  'healthcheckTimeout',
  'memoryMb',
  'cpus',
  'dockerfilePath',
  'buildContext',
  'buildpack',
  'buildArgs',
  'releaseCommand',
  'gitUsername',
  ...SECRET_FIELDS,
];

/** The form as typed, minus the secrets, for showing it again with an error. */
function withoutSecrets(fields: FormFields): FormFields {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !SECRET_FIELDS.has(name)));
}

/** Everything the service page shows. `extra` carries a form's state or error. */
export async function servicePageData(
  ctx: AppContext,
  serviceId: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const service = await ctx.projects.getService(serviceId);
  const project = await ctx.projects.get(service.projectId);
  return {
    title: `${service.name} · ${project.name}`,
    project,
    service: { ...toServiceView(service, project.name, ctx.config), sourceSummary: summarizeSource(service.source) },
    variables: await ctx.variables.listKeys(service.id),
    // The delete form says which addresses go offline.
    domains: ctx.https ? await ctx.https.domains.list(service.id) : [],
    errors: {},
    ...extra,
    // A failed form shows what was typed; fields it did not send keep the stored values.
    form: { ...formFromService(service), ...(extra.form as FormFields | undefined) },
  };
}

export async function renderServicePage(
  reply: FastifyReply,
  ctx: AppContext,
  serviceId: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await reply.page('service', await servicePageData(ctx, serviceId, extra));
}

export async function servicesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/services/:id',
    { schema: { ...hidden, params: idParams } },
    async (request, reply) => renderServicePage(reply, ctx, request.params.id),
  );

  app.post<{ Params: { id: string }; Body: FormFields }>(
    '/services/:id/settings',
    {
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['sourceType'], SETTINGS_FIELDS) },
    },
    async (request, reply) => {
      const id = request.params.id;
      try {
        const input = settingsFromForm(request.body);
        const credentials = credentialsFromForm(request.body);
        if (credentials !== undefined) input.source = { ...(input.source as object), credentials };
        const service = await ctx.projects.updateServiceSettings(id, input);
        request.log.info({ serviceId: service.id }, 'service settings changed');
        reply.flash('success', 'Settings saved. They take effect at the next deploy.');
        await reply.redirect(`/services/${id}`, 303);
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        const data = await servicePageData(ctx, id, { form: withoutSecrets(request.body), failedForm: 'settings' });
        await renderFormError(reply, 'service', data, formError);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/services/:id/credentials/remove',
    { preValidation: app.csrfProtection, schema: { ...hidden, params: idParams, body: formBody([], []) } },
    async (request, reply) => {
      const service = await ctx.projects.getService(request.params.id);
      const removed = await ctx.projects.removeCredentials(service.id);
      request.log.info({ serviceId: service.id, removed }, 'git credentials removed');
      reply.flash('success', removed ? 'The stored credentials were removed.' : 'No credentials were stored.');
      await reply.redirect(`/services/${service.id}`, 303);
    },
  );

  app.post<{ Params: { id: string }; Body: { confirm?: string } }>(
    '/services/:id/delete',
    { preValidation: app.csrfProtection, schema: { ...hidden, params: idParams, body: formBody([], ['confirm']) } },
    async (request, reply) => {
      const id = request.params.id;
      try {
        const { service, report } = await ctx.lifecycle.deleteService(id, { confirm: request.body.confirm });
        reply.flash('success', `Service "${service.name}" deleted: ${report.steps.join('; ')}.`);
        if (report.warnings.length > 0) reply.flash('error', `Not done: ${report.warnings.join('; ')}.`);
        await reply.redirect(`/projects/${service.projectId}`, 303);
      } catch (error) {
        if (!isAppError(error) || !DELETE_FORM_ERRORS.has(error.code)) throw error;
        const data = await servicePageData(ctx, id, { failedForm: 'delete' });
        await renderFormError(reply, 'service', data, error);
      }
    },
  );
}
