/**
 * The account page: two-factor authentication (enrol with a QR code and a first code, recovery codes shown
 * once, turn off with a code or the password) and the list of one's own sessions (revoke one or all others).
 * Its passkey forms are in passkeys.routes.ts; both render through account-page.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_HANDLE } from '../../../auth/sessions.service.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';
import { renderAccount, renderAccountError } from './account-page.js';

const hidden = { hide: true } as const;
const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;
const handleParams = {
  type: 'object',
  required: ['handle'],
  properties: { handle: { type: 'string', pattern: SESSION_HANDLE.source } },
} as const;

export async function accountRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const render = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    renderAccount(ctx, request, reply, extra);
  const formError = (request: FastifyRequest, reply: FastifyReply, error: unknown) =>
    renderAccountError(ctx, request, reply, error);

  app.get('/account', { config: can('account'), schema: hidden }, async (request, reply) => render(request, reply));

  app.post(
    '/account/two-factor/start',
    { config: can('account'), preValidation: app.csrfProtection, schema: { ...hidden, body: csrfOnly } },
    async (request, reply) => {
      try {
        await ctx.twoFactor.start(request.user!.id);
        await render(request, reply);
      } catch (error) {
        await formError(request, reply, error);
      }
    },
  );

  app.post<{ Body: { code: string } }>(
    '/account/two-factor/confirm',
    {
      config: can('account'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['code'],
          properties: { code: { type: 'string', maxLength: 40 }, _csrf: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      try {
        const recoveryCodes = await ctx.twoFactor.confirm(request.user!.id, request.body.code);
        request.session.set('mustEnrolTwoFactor', undefined);
        request.log.info({ userId: request.user!.id }, 'two-factor authentication turned on');
        // Rendered into this response only, never stored in the session: shown exactly once.
        await render(request, reply, { recoveryCodes });
      } catch (error) {
        await formError(request, reply, error);
      }
    },
  );

  app.post<{ Body: { code?: string; password?: string } }>(
    '/account/two-factor/disable',
    {
      config: can('account'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          properties: {
            code: { type: 'string', maxLength: 40 },
            password: { type: 'string', maxLength: 200 },
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      try {
        const code = request.body.code?.trim() || undefined;
        await ctx.twoFactor.disable(request.user!.id, { code, password: request.body.password || undefined });
        request.log.info({ userId: request.user!.id }, 'two-factor authentication turned off');
        reply.flash('success', 'Two-factor authentication is off.');
        await render(request, reply);
      } catch (error) {
        await formError(request, reply, error);
      }
    },
  );

  app.post<{ Params: { handle: string } }>(
    '/account/sessions/:handle/revoke',
    {
      config: can('account'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, params: handleParams, body: csrfOnly },
    },
    async (request, reply) => {
      const session = await ctx.auth.revokeSession(request.params.handle, request.user!.id);
      reply.flash('success', session.isCurrent ? 'Session ended.' : 'That session is signed out.');
      await render(request, reply);
    },
  );

  app.post(
    '/account/sessions/revoke-others',
    { config: can('account'), preValidation: app.csrfProtection, schema: { ...hidden, body: csrfOnly } },
    async (request, reply) => {
      const count = await ctx.auth.revokeOtherSessions(request.user!.id, request.session.sessionId);
      reply.flash('success', count === 1 ? 'One other session signed out.' : `${count} other sessions signed out.`);
      await render(request, reply);
    },
  );
}
