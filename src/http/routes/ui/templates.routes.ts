/**
 * The template gallery of a project (`/projects/:id/templates`): each template with its description,
 * documentation address and an install form (stack name, variables with their defaults; generated ones
 * say so). Installing creates the stack and starts its deploy, then opens the stack's page.
 */
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { idParams } from '../api/stack-schemas.js';

const hidden = { hide: true } as const;

export async function templatesUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/projects/:id/templates',
    { config: can('project.read', 'project'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      const project = await ctx.projects.get(request.params.id);
      await reply.page('project-templates', {
        title: `Templates · ${project.name}`,
        project,
        templates: await ctx.templates.list(),
      });
    },
  );

  app.post<{ Params: { id: string; templateId: string }; Body: Record<string, string> }>(
    '/projects/:id/templates/:templateId',
    {
      config: can('project.deploy', 'project'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: {
          type: 'object',
          required: ['id', 'templateId'],
          properties: {
            id: idParams.properties.id,
            templateId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,40}$' },
          },
        },
        body: { type: 'object', additionalProperties: { type: 'string', maxLength: 65536 } },
      },
    },
    async (request, reply) => {
      const { _csrf: _token, name, ...rest } = request.body;
      const variables = Object.fromEntries(
        Object.entries(rest)
          .filter(([key, value]) => key.startsWith('var_') && value !== '')
          .map(([key, value]) => [key.slice(4), value]),
      );
      try {
        const result = await ctx.templates.install(request.params.id, request.params.templateId, { name, variables });
        const generated = result.generated.length
          ? ` Generated ${result.generated.join(', ')}: stored as secret variables, not shown.`
          : '';
        reply.flash('success', `Installing ${result.stack.name}.${generated}`);
        return reply.redirect(`/stacks/${result.stack.id}`, 303);
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.flash('error', error.message);
        return reply.redirect(`/projects/${request.params.id}/templates`, 303);
      }
    },
  );
}
