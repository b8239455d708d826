/**
 * Compose stacks in the panel: a project's stacks with the create form (`/projects/:id/stacks`: paste a
 * compose file or name a repository path, choose the routed service and port, variables as .env lines;
 * a refused file comes back with every problem and its line), and a stack's page (`/stacks/:id`: status,
 * URL, last deploy log, deploy, variables, custom domains (stack-domains.routes.ts), delete confirmed by
 * name with the volumes said). The page's status
 * part and the stack's canvas tile are fragments fetched again when the live stream says the stack changed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { toDomainView } from '../../../domains/domain-view.js';
import { isAppError } from '../../../errors.js';
import { dotenvToObject, parseDotenv } from '../../../projects/dotenv.js';
import type { AppContext } from '../../context.js';
import { isHtmx } from '../../htmx.js';
import { can } from '../../route-access.js';
import { idParams } from '../api/stack-schemas.js';
import { asFormError, formBody, renderFormError } from './forms.js';
import { toStackTile } from './stack-tile.js';

const hidden = { hide: true } as const;
const FIELDS = [
  'name',
  'sourceType',
  'compose',
  'url',
  'branch',
  'path',
  'routedService',
  'routedPort',
  'variables',
  'secrets',
];
type Form = Partial<Record<(typeof FIELDS)[number], string>>;

/** `.env` lines of plain and of secret variables → the stack service's variables. */
export function variablesFromForm(plain = '', secret = ''): Record<string, { value: string; secret: boolean }> {
  const out: Record<string, { value: string; secret: boolean }> = {};
  for (const [key, value] of Object.entries(dotenvToObject(parseDotenv(plain)))) out[key] = { value, secret: false };
  for (const [key, value] of Object.entries(dotenvToObject(parseDotenv(secret)))) out[key] = { value, secret: true };
  return out;
}

export async function stacksUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const listData = async (projectId: string) => {
    const project = await ctx.projects.get(projectId);
    return { title: `Stacks · ${project.name}`, project, stacks: await ctx.stacks.list(projectId) };
  };
  const stackData = async (id: string) => {
    const stack = await ctx.stacks.get(id);
    const project = await ctx.projects.get(stack.projectId);
    const https = ctx.https;
    const domains = https
      ? await Promise.all((await https.stackDomains.list(id)).map((d) => toDomainView(https, d)))
      : undefined;
    return {
      title: `${stack.name} · ${project.name}`,
      project,
      stack,
      domains,
      log: await ctx.stacks.deployLog(id),
    };
  };
  const act = async (reply: FastifyReply, id: string, work: () => Promise<string>) => {
    try {
      reply.flash('success', await work());
    } catch (error) {
      if (!isAppError(error)) throw error;
      reply.flash('error', error.message);
    }
    await reply.redirect(`/stacks/${id}`, 303);
  };

  app.get<{ Params: { id: string } }>(
    '/projects/:id/stacks',
    { config: can('project.read', 'project'), schema: { ...hidden, params: idParams } },
    async (request, reply) => reply.page('project-stacks', await listData(request.params.id)),
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    '/projects/:id/stacks',
    {
      config: can('project.deploy', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], FIELDS) },
    },
    async (request, reply) => {
      const form = request.body;
      try {
        const stack = await ctx.stacks.create(request.params.id, {
          name: form.name,
          source:
            form.sourceType === 'repo'
              ? { type: 'repo', url: form.url, branch: form.branch || 'main', path: form.path }
              : { type: 'paste', compose: form.compose ?? '' },
          routedService: form.routedService?.trim(),
          routedPort: form.routedPort?.trim(),
          variables: variablesFromForm(form.variables, form.secrets),
        });
        reply.flash('success', `Stack ${stack.name} created. Deploy it when you are ready.`);
        return reply.redirect(`/stacks/${stack.id}`, 303);
      } catch (error) {
        const refused = asFormError(error) ?? (isAppError(error) ? error : undefined);
        if (!refused) throw error;
        const { secrets: _secrets, ...kept } = form;
        return renderFormError(
          reply,
          'project-stacks',
          { ...(await listData(request.params.id)), form: kept },
          refused,
        );
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/stacks/:id',
    { config: can('project.read', 'stack'), schema: { ...hidden, params: idParams } },
    async (request, reply) => reply.page('stack', await stackData(request.params.id)),
  );

  // Fragments for htmx only; a person who opens the URL gets the stack page instead.
  app.get<{ Params: { id: string } }>(
    '/stacks/:id/live',
    { config: can('project.read', 'stack'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (!isHtmx(request)) return reply.redirect(`/stacks/${request.params.id}`, 303);
      return reply.page('stack-live', await stackData(request.params.id));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/stacks/:id/tile',
    { config: can('project.read', 'stack'), schema: { ...hidden, params: idParams } },
    async (request, reply) => {
      if (!isHtmx(request)) return reply.redirect(`/stacks/${request.params.id}`, 303);
      return reply.page('project-tile-stack', { tile: toStackTile(await ctx.stacks.get(request.params.id)) });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/stacks/:id/deploy',
    {
      config: can('project.deploy', 'stack'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], []) },
    },
    async (request, reply) =>
      act(reply, request.params.id, async () => {
        await ctx.stacks.deploy(request.params.id);
        return 'Deploy started.';
      }),
  );

  app.post<{ Params: { id: string }; Body: { variables?: string; secrets?: string } }>(
    '/stacks/:id/variables',
    {
      config: can('project.deploy', 'stack'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['variables', 'secrets']) },
    },
    async (request, reply) =>
      act(reply, request.params.id, async () => {
        await ctx.stacks.setVariables(
          request.params.id,
          variablesFromForm(request.body.variables, request.body.secrets),
        );
        return 'Variables saved. Deploy to apply them.';
      }),
  );

  app.post<{ Params: { id: string }; Body: { confirm?: string; deleteVolumes?: string } }>(
    '/stacks/:id/delete',
    {
      config: can('project.admin', 'stack'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody([], ['confirm', 'deleteVolumes']) },
    },
    async (request, reply) => {
      const stack = await ctx.stacks.get(request.params.id);
      try {
        await ctx.stacks.remove(stack.id, request.body);
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.flash('error', error.message);
        return reply.redirect(`/stacks/${stack.id}`, 303);
      }
      reply.flash('success', `Stack ${stack.name} deleted.`);
      return reply.redirect(`/projects/${stack.projectId}/stacks`, 303);
    },
  );
}
