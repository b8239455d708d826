/**
 * The second login step: a code from the authenticator app or a recovery code, for a session that gave the
 * right password (half signed in). The page offers a passkey too when the account has one (its requests:
 * login-passkey.routes.ts). Code attempts share the login throttle with passwords: per account and
 * address, and per address.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { recordLogin } from '../../audit/login-audit.js';
import { pendingSecondFactor, signIn } from '../../sign-in.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
const TITLE = 'Two-factor code';

export async function loginTwoFactorRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/login/two-factor', { config: can('public'), schema: hidden }, async (request, reply) => {
    const pending = pendingSecondFactor(request);
    if (!pending) return reply.redirect('/login', 303);
    await reply.page('login-two-factor', { title: TITLE, ...(await factorsOf(ctx, pending.userId)) });
  });

  app.post<{ Body: { code: string } }>(
    '/login/two-factor',
    {
      config: can('public'),
      // After body parsing, so the form's _csrf field is readable.
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
      const pending = pendingSecondFactor(request);
      const user = pending && (await ctx.auth.findUserById(pending.userId));
      if (!pending || !user) {
        reply.flash('info', 'That took too long: log in again.');
        return reply.redirect('/login', 303);
      }
      const decision = ctx.loginThrottle.begin(user.email, request.ip, await ctx.auth.lastUnlockOf(user.email));
      if (!decision.allowed) {
        const minutes = Math.ceil(decision.retryAfterMs / 60_000);
        reply.header('retry-after', String(Math.ceil(decision.retryAfterMs / 1000)));
        request.log.warn({ account: user.email, ip: request.ip }, 'two-factor code throttled');
        return reply.page(
          'login-two-factor',
          {
            title: TITLE,
            error: `Too many wrong codes. Try again in ${minutes} minute(s).`,
            ...(await factorsOf(ctx, user.id)),
          },
          429,
        );
      }
      const { attempt } = decision;
      try {
        if (attempt.delayMs > 0) await sleep(attempt.delayMs);
        const kind = await ctx.twoFactor.verify(user.id, request.body.code);
        attempt.succeeded();
        await signIn(request, user.id);
        await recordLogin(ctx, request, { user });
        if (kind === 'recovery') {
          const left = (await ctx.twoFactor.status(user.id)).recoveryCodesLeft;
          reply.flash('info', `You used a recovery code; ${left} left. Each works once.`);
        }
        return reply.redirect(pending.next, 303);
      } catch (error) {
        if (!isAppError(error) || error.code !== 'INVALID_CREDENTIALS') {
          attempt.abandoned();
          throw error;
        }
        await recordLogin(ctx, request, { failedEmail: user.email, reason: 'wrong two-factor code' });
        return reply.page(
          'login-two-factor',
          { title: TITLE, error: error.message, ...(await factorsOf(ctx, user.id)) },
          401,
        );
      }
    },
  );
}

/** Which second factors the account has: the code form, the passkey button, or both. */
async function factorsOf(ctx: AppContext, userId: string): Promise<{ hasTotp: boolean; hasPasskey: boolean }> {
  return { hasTotp: await ctx.twoFactor.isEnabled(userId), hasPasskey: await ctx.passkeys.has(userId) };
}
