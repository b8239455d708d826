/**
 * Panel forms of environments (create, duplicate, delete by typing the name) and of shared project
 * variables (set, delete). Each redirects to the project canvas of the environment it concerns, with a
 * flash saying what happened or why nothing did.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { idParams } from '../api/project-schemas.js';
import { environmentParams, sharedKeyParams } from '../api/environment-schemas.js';
import { formBody } from './forms.js';

const hidden = { hide: true } as const;
type Fields = Record<string, string | undefined>;

function canvasUrl(projectId: string, environment?: string): string {
  return environment && environment !== 'production'
    ? `/projects/${projectId}?env=${encodeURIComponent(environment)}`
    : `/projects/${projectId}`;
}

export async function environmentsUiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { environments } = ctx;
  /** Runs a change; an AppError becomes a flash on the canvas it came from. */
  const attempt = async (reply: FastifyReply, back: string, work: () => Promise<string>) => {
    try {
      const to = await work();
      await reply.redirect(to, 303);
    } catch (error) {
      if (!isAppError(error)) throw error;
      reply.flash('error', error.message);
      await reply.redirect(back, 303);
    }
  };

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/projects/:id/environments',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['name'], ['name', 'from']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      await attempt(reply, canvasUrl(id, request.body.from), async () => {
        const created = await environments.create(id, { name: request.body.name });
        reply.flash(
          'success',
          `Environment "${created.name}" created. Add services to it, or delete it and duplicate one instead.`,
        );
        return canvasUrl(id, created.name);
      });
    },
  );

  app.post<{ Params: { id: string; env: string }; Body: Fields }>(
    '/projects/:id/environments/:env/duplicate',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: environmentParams,
        body: formBody(['name', 'databases'], ['name', 'databases', 'deploy', 'cron']),
      },
    },
    async (request, reply) => {
      const { id, env } = request.params;
      await attempt(reply, canvasUrl(id, env), async () => {
        const result = await environments.duplicate(
          id,
          env,
          {
            name: request.body.name,
            databases: request.body.databases,
            deploy: request.body.deploy === 'on',
            cron: request.body.cron === 'paused' ? 'paused' : 'as-source',
          },
          request.user?.id ?? null,
        );
        reply.flash(
          'success',
          `Duplicated ${env} into ${result.environment.name}: ${result.services.length} app(s), ${result.databases.length} database(s), ${result.stacks.length} stack(s)` +
            (result.deployed ? '; deploys are queued.' : '; press Deploy on each app when ready.'),
        );
        return canvasUrl(id, result.environment.name);
      });
    },
  );

  app.post<{ Params: { id: string; env: string }; Body: Fields }>(
    '/projects/:id/environments/:env/delete',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: environmentParams, body: formBody([], ['confirm']) },
    },
    async (request, reply) => {
      const { id, env } = request.params;
      await attempt(reply, canvasUrl(id, env), async () => {
        await environments.remove(id, env, { confirm: request.body.confirm });
        reply.flash('success', `Environment "${env}" deleted with everything in it.`);
        return canvasUrl(id);
      });
    },
  );

  app.post<{ Params: { id: string }; Body: Fields }>(
    '/projects/:id/shared-variables',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: formBody(['key'], ['key', 'value', 'secret', 'env']) },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { key = '', value = '', secret, env } = request.body;
      await attempt(reply, canvasUrl(id, env), async () => {
        await environments.shared.set(id, { [key]: { value, secret: secret === 'on' } });
        reply.flash(
          'success',
          `Shared variable ${key} saved. Services use it as \${{shared.${key}}} from their next deploy.`,
        );
        return canvasUrl(id, env);
      });
    },
  );

  app.post<{ Params: { id: string; key: string }; Body: Fields }>(
    '/projects/:id/shared-variables/:key/delete',
    {
      config: can('project.admin', 'project'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: sharedKeyParams, body: formBody([], ['env']) },
    },
    async (request, reply) => {
      const { id, key } = request.params;
      await attempt(reply, canvasUrl(id, request.body.env), async () => {
        await environments.shared.remove(id, key);
        reply.flash('success', `Shared variable ${key} deleted.`);
        return canvasUrl(id, request.body.env);
      });
    },
  );
}
