/** JSON API of the one-click template catalog (Bearer token auth): list, show, install into a project. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { bearerSecurity, emptyBodyAsObject, errorResponses } from './schemas.js';
import { stackSchema } from './stack-schemas.js';

const tags = ['templates'];
const slug = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,40}$' } as const;
const id = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

const templateSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    icon: { type: 'string' },
    documentation: { type: 'string' },
    routedService: { type: 'string' },
    routedPort: { type: 'integer' },
    variables: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { description: { type: 'string' }, default: { type: 'string' }, generate: { type: 'string' } },
      },
    },
    compose: { type: 'string' },
  },
} as const;

const installBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 63, description: 'The stack name (default: the template id)' },
    variables: {
      type: 'object',
      description: 'Values for the template’s variables; the rest take their default or are generated',
      additionalProperties: { type: 'string', maxLength: 65536 },
    },
  },
} as const;

export async function templatesApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const schema = (summary: string, extra: Record<string, unknown>) => ({
    tags,
    summary,
    security: bearerSecurity,
    ...extra,
  });

  app.get(
    '/templates',
    {
      config: can('signed-in'),
      schema: schema('The one-click templates', { response: { 200: { type: 'array', items: templateSchema } } }),
    },
    async () => ctx.templates.list(),
  );

  app.get<{ Params: { templateId: string } }>(
    '/templates/:templateId',
    {
      config: can('signed-in'),
      schema: schema('One template, with its compose file', {
        params: { type: 'object', required: ['templateId'], properties: { templateId: slug } },
        response: { 200: templateSchema, ...errorResponses },
      }),
    },
    async (request) => ctx.templates.get(request.params.templateId),
  );

  app.post<{ Params: { id: string; templateId: string }; Body: { name?: string; variables?: Record<string, string> } }>(
    '/projects/:id/templates/:templateId',
    {
      config: can('project.deploy', 'project'),
      preValidation: emptyBodyAsObject,
      schema: schema(
        'Install a template: a compose stack with its variables filled (generated ones stored as secrets), deployed',
        {
          params: { type: 'object', required: ['id', 'templateId'], properties: { id, templateId: slug } },
          body: installBody,
          response: {
            201: {
              type: 'object',
              properties: {
                stack: stackSchema,
                generated: {
                  type: 'array',
                  items: { type: 'string' },
                  description: 'Names only: values are never returned',
                },
              },
            },
            ...errorResponses,
          },
        },
      ),
    },
    async (request, reply) =>
      reply.status(201).send(await ctx.templates.install(request.params.id, request.params.templateId, request.body)),
  );
}
