/** JSON API for projects and the services inside them (Bearer token auth). */
import type { FastifyInstance } from 'fastify';
import { toServiceView } from '../../../projects/service-view.js';
import { type CreateServiceInput } from '../../../projects/services.service.js';
import type { AppContext } from '../../context.js';
import type { DeleteProjectInput } from '../../../lifecycle/lifecycle.js';
import { idParams, serviceSettingsProperties } from './project-schemas.js';
import { bearerSecurity, emptyBodyAsObject, errorResponses } from './schemas.js';
import { can } from '../../route-access.js';
import { visibleProjectList } from '../../visibility.js';

const tags = ['projects'];
const conflict = { 409: { $ref: 'Error#' } } as const;

export async function projectsApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: { name: string } }>(
    '/projects',
    {
      config: can('server.admin'),
      schema: {
        tags,
        summary: 'Create a project (with its production environment)',
        description: 'Names: 1-63 lowercase letters, digits and single dashes, starting with a letter.',
        security: bearerSecurity,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 200, examples: ['shop'] } },
        },
        response: { 201: { $ref: 'Project#' }, ...errorResponses, ...conflict },
      },
    },
    async (request, reply) => {
      const project = await ctx.projects.create(request.body.name);
      request.log.info({ projectId: project.id }, 'project created');
      return reply.status(201).send(project);
    },
  );

  app.get(
    '/projects',
    {
      config: can('signed-in'),
      schema: {
        tags,
        summary: 'List projects',
        security: bearerSecurity,
        response: { 200: { type: 'array', items: { $ref: 'Project#' } }, ...errorResponses },
      },
    },
    async (request) => visibleProjectList(ctx, request),
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id',
    {
      config: can('project.read', 'project'),
      schema: {
        tags,
        summary: 'A project with its environments',
        security: bearerSecurity,
        params: idParams,
        response: { 200: { $ref: 'Project#' }, ...errorResponses },
      },
    },
    async (request) => ctx.projects.get(request.params.id),
  );

  app.delete<{ Params: { id: string }; Body: DeleteProjectInput | undefined }>(
    '/projects/:id',
    {
      config: can('project.admin', 'project'),
      // A delete sent without a body is still checked (and refused) by the confirmation rule, not the schema.
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Delete a project with every service and database in it',
        description:
          'Send {"confirm": "<project name>"} (400 CONFIRMATION_REQUIRED otherwise; nothing is touched). Every app service is torn down as by DELETE /services/{id}, every database is removed, then the project network. Database volumes (the data) are kept unless their database is named in "deleteVolumes", e.g. {"confirm": "shop", "deleteVolumes": ["db"]}. Answers with the steps done.',
        security: bearerSecurity,
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            confirm: { type: 'string', maxLength: 200 },
            deleteVolumes: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 } },
          },
          examples: [{ confirm: 'shop' }, { confirm: 'shop', deleteVolumes: ['db'] }],
        },
        response: { 200: { $ref: 'TeardownReport#' }, ...errorResponses, ...conflict },
      },
    },
    async (request) => {
      const { project, report } = await ctx.lifecycle.deleteProject(request.params.id, request.body ?? {});
      return { id: project.id, name: project.name, ...report.toJSON() };
    },
  );

  app.post<{ Params: { id: string }; Body: CreateServiceInput }>(
    '/projects/:id/services',
    {
      config: can('project.admin', 'project'),
      schema: {
        tags,
        summary: "Create an app service in one of the project's environments (production by default)",
        description:
          'The source is validated (no file://, ext::, option-like values or, unless BERTH_ALLOW_PRIVATE_SOURCES is on, private addresses). Nothing is deployed yet.',
        security: bearerSecurity,
        params: idParams,
        body: {
          type: 'object',
          required: ['name', 'source'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 200, examples: ['web'] },
            source: { $ref: 'ServiceSource#' },
            environment: { type: 'string', maxLength: 63, description: 'Environment name (default production)' },
            ...serviceSettingsProperties,
          },
        },
        response: { 201: { $ref: 'Service#' }, ...errorResponses, ...conflict },
      },
    },
    async (request, reply) => {
      const project = await ctx.projects.get(request.params.id);
      const service = await ctx.projects.createService(project.id, request.body);
      request.log.info({ projectId: project.id, serviceId: service.id }, 'service created');
      return reply.status(201).send(toServiceView(service, project.name, ctx.config, project.environments));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id/kubernetes.yaml',
    {
      config: can('project.deploy', 'project'),
      schema: {
        tags,
        summary: "The project's apps as Kubernetes manifests (eject); variable values are left out",
        security: bearerSecurity,
        params: idParams,
        produces: ['application/yaml'],
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const manifests = await ctx.deploys.kubernetesManifests(request.params.id, ctx.version);
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${manifests.fileName}"`)
        .send(manifests.yaml);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/projects/:id/services',
    {
      config: can('project.read', 'project'),
      schema: {
        tags,
        summary: "The project's app services",
        security: bearerSecurity,
        params: idParams,
        response: { 200: { type: 'array', items: { $ref: 'Service#' } }, ...errorResponses },
      },
    },
    async (request) => {
      const project = await ctx.projects.get(request.params.id);
      const services = await ctx.projects.listServices(project.id);
      return services.map((service) => toServiceView(service, project.name, ctx.config, project.environments));
    },
  );
}
