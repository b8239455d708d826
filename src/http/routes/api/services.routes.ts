/** JSON API for one app service: read, change settings, delete, and its variables (Bearer token auth). */
import type { FastifyInstance } from 'fastify';
import { toServiceView } from '../../../projects/service-view.js';
import type { AppService } from '../../../projects/service.types.js';
import { type UpdateServiceInput } from '../../../projects/services.service.js';
import type { AppContext } from '../../context.js';
import { confirmBody, idParams, serviceSettingsProperties } from './project-schemas.js';
import { bearerSecurity, emptyBodyAsObject, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';
import { maySeeSecrets } from '../../../auth/access-policy.js';

/** What a viewer gets instead of a variable's value. */
const HIDDEN = 'hidden';

const tags = ['services'];

export async function servicesApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const view = async (service: AppService) => {
    const project = await ctx.projects.get(service.projectId).catch(() => undefined);
    return toServiceView(service, project?.name ?? '', ctx.config, project?.environments);
  };

  app.get<{ Params: { id: string } }>(
    '/services/:id',
    {
      config: can('project.read', 'service'),
      schema: {
        tags,
        summary: 'An app service with its settings and URL',
        security: bearerSecurity,
        params: idParams,
        response: { 200: { $ref: 'Service#' }, ...errorResponses },
      },
    },
    async (request) => {
      const service = await ctx.projects.getService(request.params.id);
      return { ...(await view(service)), configFile: await ctx.deploys.configFileOf(service.id) };
    },
  );

  app.patch<{ Params: { id: string }; Body: UpdateServiceInput }>(
    '/services/:id',
    {
      config: can('project.deploy', 'service'),
      schema: {
        tags,
        summary: "Change a service's source or settings",
        description:
          'Send only what changes. healthcheck, build and resources are merged into the current values (null clears a key); build.buildArgs is replaced as a whole. A source is replaced as a whole; its credentials (git only, write-only) are kept when left out, replaced when sent and removed with null. Stored credentials are never sent to another server: moving the URL to another host needs them again (or null). Takes effect at the next deploy.',
        security: bearerSecurity,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { source: { $ref: 'ServiceSource#' }, ...serviceSettingsProperties },
          examples: [
            { port: 8080, healthcheck: { path: '/up' } },
            { source: { type: 'git', url: 'https://git.example.com/acme/web.git', credentials: { token: '…' } } },
          ],
        },
        response: { 200: { $ref: 'Service#' }, ...errorResponses },
      },
    },
    async (request) => {
      const service = await ctx.projects.updateServiceSettings(request.params.id, request.body);
      // Field names only: the body may hold credentials.
      request.log.info({ serviceId: service.id, fields: Object.keys(request.body) }, 'service settings changed');
      return view(service);
    },
  );

  app.delete<{ Params: { id: string }; Body: { confirm?: string } | undefined }>(
    '/services/:id',
    {
      config: can('project.admin', 'service'),
      // A delete sent without a body is still checked (and refused) by the confirmation rule, not the schema.
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Delete an app service and stop everything it runs',
        description:
          'Send {"confirm": "<service name>"} (400 CONFIRMATION_REQUIRED otherwise; nothing is touched). Cancels its deployments, takes its hostnames off the proxy at once, drains and removes its containers, and removes its domains, certificates, images, git repository, webhooks and deliveries, variables, deployment history and logs. Answers with the steps done.',
        security: bearerSecurity,
        params: idParams,
        body: confirmBody,
        response: { 200: { $ref: 'TeardownReport#' }, ...errorResponses },
      },
    },
    async (request) => {
      const { service, report } = await ctx.lifecycle.deleteService(request.params.id, request.body ?? {});
      return { id: service.id, name: service.name, ...report.toJSON() };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/services/:id/variables',
    {
      config: can('project.read', 'service'),
      schema: {
        tags,
        summary: "The service's variables, with their values",
        description: 'A viewer of the project gets every name with the value "hidden".',
        security: bearerSecurity,
        params: idParams,
        response: { 200: { $ref: 'Variables#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const variables = await ctx.variables.read(request.params.id);
      if (maySeeSecrets(request.access?.role)) return variables;
      return Object.fromEntries(Object.keys(variables).map((key) => [key, HIDDEN]));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/services/:id/variables/keys',
    {
      config: can('project.read', 'service'),
      schema: {
        tags,
        summary: "The service's variable names and secret flags, without values",
        security: bearerSecurity,
        params: idParams,
        response: { 200: { $ref: 'VariableKeys#' }, ...errorResponses },
      },
    },
    async (request) => ctx.variables.listKeys(request.params.id),
  );

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/services/:id/variables',
    {
      config: can('project.deploy', 'service'),
      schema: {
        tags,
        summary: "Replace all of the service's variables",
        description:
          'Keys missing from the body are deleted. Values are stored encrypted, byte for byte. ' +
          'A value may be {"value", "secret": true} to have deployment logs redact it.',
        security: bearerSecurity,
        params: idParams,
        body: { $ref: 'VariablesInput#' },
        response: { 200: { $ref: 'Variables#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const variables = await ctx.variables.replace(request.params.id, request.body);
      // Keys only: values are secrets and never reach the log.
      request.log.info({ serviceId: request.params.id, keys: Object.keys(variables) }, 'variables replaced');
      reply.header('cache-control', 'no-store');
      return variables;
    },
  );
}
