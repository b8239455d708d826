/** The signed-in panel pages: dashboard, API tokens and the server (Docker engine) page. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { visibleProjectList } from '../../visibility.js';

const hidden = { hide: true } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^tok_[0-9a-z]{1,40}$' } },
};

export async function panelRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/', { config: can('signed-in'), schema: hidden }, async (request, reply) => {
    await reply.page('dashboard', { title: 'Dashboard', projects: await visibleProjectList(ctx, request) });
  });

  const tokensPage = async (request: FastifyRequest) => ({
    title: 'API tokens',
    tokens: await ctx.auth.listApiTokens(request.user!.id),
    projects: await visibleProjectList(ctx, request),
  });

  app.get('/tokens', { config: can('account'), schema: hidden }, async (request, reply) => {
    await reply.page('tokens', await tokensPage(request));
  });

  app.post<{ Body: { name: string; projectId?: string; role?: string; readOnly?: string; expiresInDays?: string } }>(
    '/tokens',
    {
      config: can('account'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 200 },
            projectId: { type: 'string', maxLength: 64 },
            role: { type: 'string', maxLength: 16 },
            readOnly: { type: 'string', maxLength: 8 },
            expiresInDays: { type: 'string', maxLength: 8 },
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const userId = request.user!.id;
      try {
        const { name, _csrf, ...scope } = request.body as typeof request.body & { _csrf?: string };
        const { token, record } = await ctx.auth.createApiToken(userId, name, scope);
        request.log.info({ tokenId: record.id }, 'api token created');
        // Rendered straight into this response, never stored in the session: the secret is shown exactly once.
        await reply.page('tokens', { ...(await tokensPage(request)), created: { name: record.name, token } });
      } catch (error) {
        if (
          !isAppError(error) ||
          !['VALIDATION_FAILED', 'TOKEN_NAME_TAKEN', 'FORBIDDEN', 'NOT_FOUND'].includes(error.code)
        )
          throw error;
        await reply.page(
          'tokens',
          {
            ...(await tokensPage(request)),
            error: error.message,
            name: request.body.name,
          },
          statusOf(error.code),
        );
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/tokens/:id/revoke',
    {
      config: can('account'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: idParams, body: { type: 'object', properties: { _csrf: { type: 'string' } } } },
    },
    async (request, reply) => {
      const token = await ctx.auth.revokeApiToken(request.user!.id, request.params.id);
      request.log.info({ tokenId: token.id }, 'api token revoked');
      reply.flash('success', `Token "${token.name}" revoked. Anything using it is locked out now.`);
      await reply.redirect('/tokens', 303);
    },
  );

  app.get('/server', { config: can('server.admin'), schema: hidden }, async (_request, reply) => {
    await reply.page('server', { title: 'Server', engine: await ctx.engine.describe() });
  });
}
