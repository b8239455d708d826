/** Login and logout. Login attempts are throttled per (account, address) and per address (login-throttle.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { safeNextPath } from '../../plugins/auth-guards.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;

export async function sessionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: { next?: string } }>(
    '/login',
    {
      config: can('public'),
      schema: { ...hidden, querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 500 } } } },
    },
    async (request, reply) => {
      if (request.session.get('userId')) return reply.redirect(safeNextPath(request.query.next), 303);
      await reply.page('login', {
        title: 'Log in',
        next: safeNextPath(request.query.next),
        isUnclaimed: await ctx.auth.isSetupOpen(),
      });
    },
  );

  app.post<{ Body: { email: string; password: string; next?: string } }>(
    '/login',
    {
      config: can('public'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: {
        ...hidden,
        body: {
          type: 'object',
          required: ['email', 'password'],
          properties: {
            email: { type: 'string', maxLength: 320 },
            password: { type: 'string', maxLength: 200 },
            next: { type: 'string', maxLength: 500 },
            _csrf: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const account = request.body.email.trim().toLowerCase();
      const next = safeNextPath(request.body.next);
      const form = { title: 'Log in', email: request.body.email, next, isUnclaimed: false };
      // Counted before any hashing, in-flight attempts included: parallel guesses cannot outrun the count.
      const decision = ctx.loginThrottle.begin(account, request.ip, await ctx.auth.lastUnlockOf(account));
      if (!decision.allowed) {
        const minutes = Math.ceil(decision.retryAfterMs / 60_000);
        reply.header('retry-after', String(Math.ceil(decision.retryAfterMs / 1000)));
        request.log.warn({ account, ip: request.ip }, 'login throttled');
        return reply.page(
          'login',
          { ...form, error: `Too many failed attempts. Try again in ${minutes} minute(s).` },
          429,
        );
      }
      const { attempt } = decision;
      try {
        if (attempt.delayMs > 0) await sleep(attempt.delayMs);
        const user = await ctx.auth.authenticate(request.body.email, request.body.password);
        attempt.succeeded();
        // A fresh session id at login defeats session fixation.
        await request.session.regenerate();
        request.session.set('userId', user.id);
        return reply.redirect(next, 303);
      } catch (error) {
        if (!isAppError(error) || error.code !== 'INVALID_CREDENTIALS') {
          attempt.abandoned();
          throw error;
        }
        return reply.page('login', { ...form, error: error.message }, 401);
      }
    },
  );

  app.post(
    '/logout',
    {
      config: can('public'),
      // After body parsing, so the form's _csrf field is readable.
      preValidation: app.csrfProtection,
      schema: { ...hidden, body: { type: 'object', properties: { _csrf: { type: 'string' } } } },
    },
    async (request, reply) => {
      await request.session.destroy();
      await reply.redirect('/login', 303);
    },
  );
}
