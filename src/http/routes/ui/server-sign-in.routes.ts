/**
 * Server-wide sign-in settings (server owners and admins only): single sign-on, "require two-factor for
 * everyone", and everyone's sessions with a revoke button. Shown as a section of the Server page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isServerAdmin } from '../../../auth/server-admin.js';
import { SESSION_HANDLE } from '../../../auth/sessions.service.js';
import type { SsoSettingsInput } from '../../../auth/sso-settings.js';
import { AppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { asFormError, formBody, renderFormError } from './forms.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const SSO_FIELDS = [
  'issuer',
  'clientId',
  'clientSecret',
  'allowedDomains',
  'groupClaim',
  'groupRoles',
  'disableLocalLogin',
];

async function requireServerAdmin(request: FastifyRequest): Promise<void> {
  if (!isServerAdmin(request.user)) {
    throw new AppError('FORBIDDEN', 'Only a server owner or admin can change how people sign in.');
  }
}

export async function serverSignInRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.addHook('preHandler', requireServerAdmin);

  const model = async (extra: Record<string, unknown> = {}) => ({
    title: 'Sign-in settings',
    sso: await ctx.sso.settings(),
    isTwoFactorRequired: await ctx.twoFactor.isRequired(),
    ...extra,
  });
  const show = async (reply: FastifyReply, extra: Record<string, unknown> = {}) =>
    reply.page('server-sign-in', await model(extra));

  app.get('/server/sign-in', { config: can('server.admin'), schema: hidden }, async (_request, reply) => show(reply));

  app.post<{ Body: SsoSettingsInput }>(
    '/server/sign-in/sso',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, body: formBody([], SSO_FIELDS) },
    },
    async (request, reply) => {
      try {
        await ctx.sso.save(request.body);
        request.log.info({ userId: request.user!.id }, 'single sign-on settings saved');
        await show(reply, { saved: 'Single sign-on settings saved.' });
      } catch (error) {
        const formError = asFormError(error);
        if (!formError) throw error;
        await renderFormError(reply, 'server-sign-in', await model({ form: request.body }), formError);
      }
    },
  );

  app.post(
    '/server/sign-in/sso/delete',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, body: formBody([], []) },
    },
    async (request, reply) => {
      await ctx.sso.turnOff();
      request.log.info({ userId: request.user!.id }, 'single sign-on turned off');
      await show(reply, { saved: 'Single sign-on is off; password login works again.' });
    },
  );

  app.post<{ Body: { required?: string } }>(
    '/server/sign-in/two-factor',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: { ...hidden, body: formBody([], ['required']) },
    },
    async (request, reply) => {
      const isRequired = request.body.required === 'on' || request.body.required === 'true';
      await ctx.twoFactor.setRequired(isRequired);
      request.log.info({ userId: request.user!.id, isRequired }, 'two-factor requirement changed');
      await show(reply, {
        saved: isRequired
          ? 'Two-factor is now required: people without it enrol at their next login.'
          : 'Two-factor is now optional.',
      });
    },
  );

  app.get('/server/sessions', { config: can('server.admin'), schema: hidden }, async (request, reply) => {
    await reply.page('server-sessions', {
      title: 'Sessions',
      sessions: await ctx.auth.listSessions(undefined, request.session.sessionId),
    });
  });

  app.post<{ Params: { handle: string } }>(
    '/server/sessions/:handle/revoke',
    {
      config: can('server.admin'),
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        params: {
          type: 'object',
          required: ['handle'],
          properties: { handle: { type: 'string', pattern: SESSION_HANDLE.source } },
        },
        body: formBody([], []),
      },
    },
    async (request, reply) => {
      const session = await ctx.auth.revokeSession(request.params.handle, undefined);
      request.log.info({ userId: request.user!.id, of: session.userId }, 'session revoked by an admin');
      reply.flash('success', `A session of ${session.email} is signed out.`);
      await reply.page('server-sessions', {
        title: 'Sessions',
        sessions: await ctx.auth.listSessions(undefined, request.session.sessionId),
      });
    },
  );
}
