/**
 * Login and logout. Login attempts are throttled per (account, address) and per address (login-throttle.ts).
 * A right password signs in at once, or half signs in when the account has two-factor on (the code comes
 * next, login-two-factor.routes.ts; or a passkey, login-passkey.routes.ts). When single sign-on has turned local login off, the form is refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { safeNextPath } from '../../plugins/auth-guards.js';
import { recordLogin } from '../../audit/login-audit.js';
import { beginSecondFactor, signIn } from '../../sign-in.js';
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
        ...(await loginOptions(ctx)),
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
      const form = {
        title: 'Log in',
        email: request.body.email,
        next,
        isUnclaimed: false,
        ...(await loginOptions(ctx)),
      };
      if (form.isLocalLoginDisabled) {
        return reply.page(
          'login',
          { ...form, error: 'Log in with single sign-on: passwords are turned off here.' },
          403,
        );
      }
      // Counted before any hashing, in-flight attempts included: parallel guesses cannot outrun the count.
      const decision = ctx.loginThrottle.begin(account, request.ip, await ctx.auth.lastUnlockOf(account));
      if (!decision.allowed) {
        const minutes = Math.ceil(decision.retryAfterMs / 60_000);
        reply.header('retry-after', String(Math.ceil(decision.retryAfterMs / 1000)));
        request.log.warn({ account, ip: request.ip }, 'login throttled');
        await recordLogin(ctx, request, { failedEmail: account, reason: 'too many failed attempts' });
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
        // A passkey is a second factor like an authenticator app: either one makes the password half a login.
        if ((await ctx.twoFactor.isEnabled(user.id)) || (await ctx.passkeys.has(user.id))) {
          // Not succeeded(): that would forget this pair's failures, and so reset the count of wrong codes
          // each time the password is typed again. The code step counts its own attempts.
          attempt.abandoned();
          await beginSecondFactor(request, user.id, next);
          return reply.redirect('/login/two-factor', 303);
        }
        attempt.succeeded();
        const mustEnrolTwoFactor = await ctx.twoFactor.isRequired();
        await signIn(request, user.id, { mustEnrolTwoFactor });
        await recordLogin(ctx, request, { user });
        return reply.redirect(mustEnrolTwoFactor ? '/account' : next, 303);
      } catch (error) {
        if (!isAppError(error) || error.code !== 'INVALID_CREDENTIALS') {
          attempt.abandoned();
          throw error;
        }
        await recordLogin(ctx, request, { failedEmail: account, reason: 'wrong email or password' });
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

/** What the login page offers: the single sign-on button, and the password form unless SSO turned it off. */
async function loginOptions(ctx: AppContext): Promise<{ isSsoEnabled: boolean; isLocalLoginDisabled: boolean }> {
  return { isSsoEnabled: await ctx.sso.isEnabled(), isLocalLoginDisabled: await ctx.sso.isLocalLoginDisabled() };
}
