/** The project page's "Project file" card: drift between the server and the berth.project.json last applied. */
import type { FastifyInstance } from 'fastify';
import { describeChange } from '../../../project-config/plan-project.js';
import type { AppContext } from '../../context.js';
import { isHtmx } from '../../htmx.js';
import { can } from '../../route-access.js';
import { idParams } from '../api/project-schemas.js';

const hidden = { hide: true };

export async function projectConfigUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/projects/:id/config-drift',
    { config: can('project.deploy', 'project'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (!isHtmx(request)) return reply.redirect(`/projects/${request.params.id}`, 303);
      const drift = ctx.projectConfig ? await ctx.projectConfig.drift(request.params.id) : undefined;
      await reply.page('project-config-drift', { drift, lines: (drift?.changes ?? []).map(describeChange) });
    },
  );
}
