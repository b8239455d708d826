/**
 * Panel forms of previews (the section on the project page, views/partials/project-previews.eta): the
 * preview settings and the delete button of one preview (confirmed by typing its branch).
 */
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { idParams } from '../api/project-schemas.js';
import { formBody } from './forms.js';

const hidden = { hide: true } as const;
const SETTINGS = ['enabled', 'ttlHours', 'maxPreviews', 'databases', 'memoryMb', 'allowForks'];
const previewParams = {
  type: 'object',
  required: ['id', 'env'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    env: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
} as const;

export async function previewsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    '/projects/:id/preview-settings',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], SETTINGS) },
    },
    async (request, reply) => {
      const form = request.body;
      try {
        // An unticked checkbox sends nothing: the form's state is the whole truth, except for the fields
        // the repository's berth.json sets (shown read-only, so not sent).
        const fromFile = (await ctx.previews.settings(request.params.id)).fromFile ?? {};
        const fields: Record<string, unknown> = {
          enabled: form.enabled === 'on',
          allowForks: form.allowForks === 'on',
          ttlHours: form.ttlHours,
          maxPreviews: form.maxPreviews,
          memoryMb: form.memoryMb,
          databases: form.databases,
        };
        for (const field of Object.keys(fromFile)) delete fields[field];
        await ctx.previews.updateSettings(request.params.id, fields);
        reply.flash('success', 'Preview settings saved.');
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.flash('error', `Preview settings not saved: ${error.message}`);
      }
      await reply.redirect(`/projects/${request.params.id}#previews`, 303);
    },
  );

  app.post<{ Params: { id: string; env: string }; Body: Record<string, string | undefined> }>(
    '/projects/:id/previews/:env/delete',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: previewParams, body: formBody([], ['confirm']) },
    },
    async (request, reply) => {
      const { id, env } = request.params;
      try {
        const preview = (await ctx.previews.list(id)).find((p) => p.name === env);
        if (preview && request.body.confirm !== preview.branch) {
          reply.flash('error', `Type the branch ("${preview.branch}") to delete its preview. Nothing was deleted.`);
        } else {
          await ctx.previews.remove(id, env);
          reply.flash('success', `Preview ${env} deleted with its containers, routes, databases and volumes.`);
        }
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.flash('error', error.message);
      }
      await reply.redirect(`/projects/${id}#previews`, 303);
    },
  );
}
