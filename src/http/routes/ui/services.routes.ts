/**
 * Panel page of one app service: settings form (with the git credentials, which are write-only: the
 * page says what kind is set, never the secret), variables editor (service-variables.routes.ts) and the
 * place where the deploy feature shows deployments.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACTIVE_PHASES } from '../../../deploys/deployment.types.js';
import { formFromService, settingsFromForm, type FormFields } from '../../../projects/service-form.js';
import { summarizeSource, toServiceView } from '../../../projects/service-view.js';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { isPartial } from '../../htmx.js';
import { idParams } from '../api/project-schemas.js';
import { domainListData } from './domain-list-data.js';
import { asFormError, credentialsFromForm, DELETE_FORM_ERRORS, formBody, renderFormError } from './forms.js';
import { statusOf } from '../../plugins/error-handler.js';
import { can } from '../../route-access.js';
import { configFileRows } from '../../../repo-config/config-file-view.js';

const hidden = { hide: true } as const;
const tabQuery = {
  type: 'object',
  properties: {
    tab: { type: 'string', enum: ['deployments', 'variables', 'logs', 'settings', 'domains', 'git', 'metrics'] },
  },
} as const;

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

/**
 * The tabs of the service page, each at its own path `/services/:id/<tab>` (views/partials/service-tab-bar.eta).
 * Logs is a tab of the bar too, but its own page (service-logs.routes.ts): it follows a WebSocket.
 */
export const SERVICE_TABS = [
  'deployments',
  'variables',
  'settings',
  'domains',
  'git',
  'metrics',
  'cron',
  'volumes',
] as const;
export type ServiceTab = (typeof SERVICE_TABS)[number];

const isRunning = (status: string) => status === 'queued' || (ACTIVE_PHASES as readonly string[]).includes(status);

/** The berth.json behind the running settings, and its settings as rows (the Settings tab). */
async function configFileData(ctx: AppContext, serviceId: string) {
  const configFile = await ctx.deploys.configFileOf(serviceId);
  return { configFile, configFileRows: configFile ? configFileRows(configFile) : [] };
}

/** Everything the service page shows on one tab. `extra` carries a form's state, error or notice. */
export async function servicePageData(
  ctx: AppContext,
  serviceId: string,
  extra: Record<string, unknown> & { tab?: ServiceTab } = {},
): Promise<Record<string, unknown>> {
  const service = await ctx.projects.getService(serviceId);
  const project = await ctx.projects.get(service.projectId);
  const tab: ServiceTab = extra.tab ?? 'deployments';
  const tabData: Record<string, unknown> = {};
  if (tab === 'deployments') {
    const deployments = await ctx.deploys.list(service.id);
    Object.assign(tabData, {
      deployments,
      url: await ctx.deploys.urlOf(service.id),
      plan: await ctx.deploys.planFor(service.id),
      isAnyRunning: deployments.some((d) => isRunning(d.status)),
    });
  }
  if (tab === 'variables') tabData.variables = await ctx.variables.listKeys(service.id);
  // Settings: the delete form says which addresses go offline.
  if (tab === 'settings') tabData.domains = ctx.https ? await ctx.https.domains.list(service.id) : [];
  if (tab === 'settings') Object.assign(tabData, await configFileData(ctx, service.id));
  // Domains: the list with certificate status, rendered in place (it follows the live stream).
  if (tab === 'domains') {
    Object.assign(
      tabData,
      ctx.https ? await domainListData(ctx, service.id) : { serviceId: service.id, domains: [], isBusy: false },
    );
  }
  if (tab === 'git') tabData.git = await ctx.hooks.endpointsOf(project, service);
  return {
    title: `${service.name} · ${project.name}`,
    project,
    service: { ...toServiceView(service, project.name, ctx.config), sourceSummary: summarizeSource(service.source) },
    pending: await ctx.deploys.pendingChanges(service.id),
    errors: {},
    ...tabData,
    ...extra,
    tab,
    // A failed form shows what was typed; fields it did not send keep the stored values.
    form: { ...formFromService(service), ...(extra.form as FormFields | undefined) },
  };
}

export async function renderServicePage(
  reply: FastifyReply,
  ctx: AppContext,
  serviceId: string,
  extra: Record<string, unknown> & { tab?: ServiceTab } = {},
): Promise<void> {
  await reply.page('service', await servicePageData(ctx, serviceId, extra));
}

/** Is this an htmx request that swaps a part of the page (not a boosted navigation)? */
export const isFragmentRequest = (request: FastifyRequest) => isPartial(request);

/**
 * After a form of one tab: an htmx form gets its own section back (its message beside it) and the
 * changes-pending bar is told to look again; without JavaScript, the tab's page with the message on top.
 */
export async function answerTabForm(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  serviceId: string,
  section: 'settings' | 'variables',
  extra: Record<string, unknown> & { notice?: string; error?: string },
  status = 200,
): Promise<void> {
  if (!isFragmentRequest(request)) {
    if (extra.notice && status < 400) {
      reply.flash('success', extra.notice);
      return reply.redirect(`/services/${serviceId}/${section}`, 303);
    }
  } else {
    reply.header('hx-trigger', 'pending-changed');
  }
  const data = await servicePageData(ctx, serviceId, { ...extra, tab: section });
  reply.header('hx-push-url', 'false');
  if (isFragmentRequest(request)) return reply.page(`service-tab-${section}`, data, status);
  return reply.page('service', data, status);
}

export async function servicesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // The tabs were once `?tab=` addresses: those still work, moved for good to the tab's own path.
  app.get<{ Params: { id: string }; Querystring: { tab?: ServiceTab | 'logs' } }>(
    '/services/:id',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams, querystring: tabQuery } },
    async (request, reply) => {
      const { tab } = request.query;
      if (tab) return reply.redirect(`/services/${request.params.id}/${tab}`, 301);
      return renderServicePage(reply, ctx, request.params.id);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/services/:id/settings',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams } },
    async (request, reply) => renderServicePage(reply, ctx, request.params.id, { tab: 'settings' }),
  );

  // The changes-pending bar alone, for htmx.
  app.get<{ Params: { id: string } }>(
    '/services/:id/pending',
    { config: can('project.read', 'service'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (!isFragmentRequest(request)) return reply.redirect(`/services/${request.params.id}`, 303);
      const service = await ctx.projects.getService(request.params.id);
      await reply.page('service-pending', {
        service,
        pending: await ctx.deploys.pendingChanges(service.id),
      });
    },
  );

  app.post<{ Params: { id: string }; Body: FormFields }>(
    '/services/:id/settings',
    {
      config: can('project.deploy', 'service'),
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
        await answerTabForm(request, reply, ctx, id, 'settings', {
          notice: 'Settings saved. They take effect at the next deploy.',
        });
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        const extra = { form: withoutSecrets(request.body), failedForm: 'settings' };
        const failure = { error: formError.message, errors: formError.details ?? {} };
        await answerTabForm(request, reply, ctx, id, 'settings', { ...extra, ...failure }, statusOf(formError.code));
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/services/:id/credentials/remove',
    {
      config: can('project.deploy', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], []) },
    },
    async (request, reply) => {
      const service = await ctx.projects.getService(request.params.id);
      const removed = await ctx.projects.removeCredentials(service.id);
      request.log.info({ serviceId: service.id, removed }, 'git credentials removed');
      await answerTabForm(request, reply, ctx, service.id, 'settings', {
        notice: removed ? 'The stored credentials were removed.' : 'No credentials were stored.',
      });
    },
  );

  app.post<{ Params: { id: string }; Body: { confirm?: string } }>(
    '/services/:id/delete',
    {
      config: can('project.admin', 'service'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['confirm']) },
    },
    async (request, reply) => {
      const id = request.params.id;
      try {
        const { service, report } = await ctx.lifecycle.deleteService(id, { confirm: request.body.confirm });
        reply.flash('success', `Service "${service.name}" deleted: ${report.steps.join('; ')}.`);
        if (report.warnings.length > 0) reply.flash('error', `Not done: ${report.warnings.join('; ')}.`);
        await reply.redirect(`/projects/${service.projectId}`, 303);
      } catch (error) {
        if (!isAppError(error) || !DELETE_FORM_ERRORS.has(error.code)) throw error;
        const data = await servicePageData(ctx, id, { failedForm: 'delete', tab: 'settings' });
        await renderFormError(reply, 'service', data, error);
      }
    },
  );
}
