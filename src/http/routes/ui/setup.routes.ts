/** The first-run claim page: exists only while the install is unclaimed, and accepts only the printed token. */
import type { FastifyInstance } from 'fastify';
import { MIN_PASSWORD_LENGTH } from '../../../auth/credentials.js';
import { AppError, isAppError } from '../../../errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import type { AppContext } from '../../context.js';
import { signIn } from '../../sign-in.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;

export async function setupRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: { token?: string } }>(
    '/setup',
    {
      config: can('public'),
      schema: { ...hidden, querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 200 } } } },
    },
    async (request, reply) => {
      if (!(await ctx.auth.isSetupOpen())) throw new AppError('NOT_FOUND', 'Setup is finished. Log in instead.');
      const token = request.query.token ?? '';
      const isValid = await ctx.auth.isSetupTokenValid(token);
      await reply.page(
        'setup',
        {
          title: 'Claim this Berth',
          token: isValid ? token : '',
          error: isValid ? undefined : 'Open the setup link printed in the Berth log: it carries a one-time token.',
          minPasswordLength: MIN_PASSWORD_LENGTH,
        },
        isValid ? 200 : 403,
      );
    },
  );

  app.post<{ Body: { token: string; email: string; password: string } }>(
    '/setup',
    {
      config: can('public'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['token', 'email', 'password'],
          properties: {
            token: { type: 'string', maxLength: 200 },
            email: { type: 'string', maxLength: 320 },
            password: { type: 'string', maxLength: 200 },
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      try {
        const user = await ctx.auth.claimInstall(request.body);
        request.log.info({ userId: user.id }, 'install claimed');
        await signIn(request, user.id);
        reply.flash('success', `Welcome to Berth, ${user.email}. This server is yours now.`);
        await reply.redirect('/', 303);
      } catch (error) {
        if (!isAppError(error) || (error.code !== 'VALIDATION_FAILED' && error.code !== 'EMAIL_TAKEN')) throw error;
        await reply.page(
          'setup',
          {
            title: 'Claim this Berth',
            token: request.body.token,
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
