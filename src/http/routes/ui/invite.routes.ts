/**
 * Accepting an invitation: a new person chooses a password (the account is created with the invitation's
 * roles and they are signed in); someone already signed in just gains its grants. The link works once.
 */
import type { FastifyInstance } from 'fastify';
import { MIN_PASSWORD_LENGTH } from '../../../auth/credentials.js';
import { isAppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import type { AppContext } from '../../context.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const TOKEN = { type: 'string', maxLength: 200 } as const;

export async function inviteRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const signedIn = async (userId: string | undefined) => (userId ? ctx.auth.findUserById(userId) : undefined);

  app.get<{ Querystring: { token?: string } }>(
    '/invite',
    { config: can('public'), schema: { ...hidden, querystring: { type: 'object', properties: { token: TOKEN } } } },
    async (request, reply) => {
      const token = request.query.token ?? '';
      const invitation = await ctx.auth.findOpenInvitation(token);
      const user = await signedIn(request.session.get('userId'));
      await reply.page('invite', {
        title: 'Join Berth',
        token,
        invitation,
        signedInAs: user?.email,
        minPasswordLength: MIN_PASSWORD_LENGTH,
      });
    },
  );

  app.post<{ Body: { token: string; email?: string; password?: string } }>(
    '/invite',
    {
      config: can('public'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: {
            token: TOKEN,
            email: { type: 'string', maxLength: 320 },
            password: TOKEN,
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const current = await signedIn(request.session.get('userId'));
      try {
        const user = await ctx.auth.acceptInvitation({
          token: request.body.token,
          signedInUserId: current?.id,
          email: request.body.email,
          password: request.body.password,
        });
        request.log.info({ userId: user.id }, 'invitation accepted');
        if (!current) {
          await request.session.regenerate();
          request.session.set('userId', user.id);
        }
        reply.flash(
          'success',
          current ? 'Invitation accepted: your new access is in place.' : `Welcome to Berth, ${user.email}.`,
        );
        await reply.redirect('/', 303);
      } catch (error) {
        if (!isAppError(error) || !['VALIDATION_FAILED', 'EMAIL_TAKEN'].includes(error.code)) throw error;
        await reply.page(
          'invite',
          {
            title: 'Join Berth',
            token: request.body.token,
            invitation: await ctx.auth.findOpenInvitation(request.body.token),
            email: request.body.email,
            error: error.message,
            minPasswordLength: MIN_PASSWORD_LENGTH,
          },
          statusOf(error.code),
        );
      }
    },
  );
}
