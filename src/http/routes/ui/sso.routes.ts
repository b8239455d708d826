/**
 * Single sign-on: the login page's button is a link here (not a form: the CSP's form-action 'self' rightly
 * stops a form post from redirecting to another origin, and starting a sign-in changes nothing a forged
 * request could abuse), the browser goes to the provider, and the provider sends it back to the callback. What the callback must find again (state, nonce, PKCE
 * verifier) stays in the session, never in the URL; it is used once. A sign-in through SSO skips Berth's
 * own second factor: the identity provider owns that step.
 */
import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { statusOf } from '../../plugins/error-handler.js';
import { safeNextPath } from '../../plugins/auth-guards.js';
import { recordLogin } from '../../audit/login-audit.js';
import { signIn } from '../../sign-in.js';
import { can } from '../../route-access.js';

const hidden = { hide: true } as const;
/** How long the provider may take to send the person back. */
const SIGN_IN_WINDOW_MS = 10 * 60_000;
const REFUSALS = new Set(['INVALID_CREDENTIALS', 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND', 'VALIDATION_FAILED']);

export async function ssoRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const loginPage = async (error: string) => ({
    title: 'Log in',
    next: '/',
    isUnclaimed: false,
    isSsoEnabled: await ctx.sso.isEnabled(),
    isLocalLoginDisabled: await ctx.sso.isLocalLoginDisabled(),
    error,
  });

  app.get<{ Querystring: { next?: string } }>(
    '/login/sso',
    {
      config: can('public'),
      schema: { ...hidden, querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 500 } } } },
    },
    async (request, reply) => {
      try {
        const { url, pending } = await ctx.sso.begin();
        request.session.set('sso', { ...pending, next: safeNextPath(request.query.next), since: Date.now() });
        return reply.redirect(url, 303);
      } catch (error) {
        if (!isAppError(error) || !REFUSALS.has(error.code)) throw error;
        request.log.warn({ err: error }, 'single sign-on could not start');
        return reply.page('login', await loginPage(error.message), statusOf(error.code));
      }
    },
  );

  app.get('/login/sso/callback', { config: can('public'), schema: hidden }, async (request, reply) => {
    const pending = request.session.get('sso');
    // One use only, whatever happens next.
    request.session.set('sso', undefined);
    if (!pending || Date.now() - pending.since > SIGN_IN_WINDOW_MS) {
      return reply.page('login', await loginPage('That sign-in expired or was not started here. Try again.'), 400);
    }
    try {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const user = await ctx.sso.complete(query, pending, {
        address: request.ip,
        userAgent: String(request.headers['user-agent'] ?? ''),
      });
      await signIn(request, user.id);
      await recordLogin(ctx, request, { user });
      request.log.info({ userId: user.id }, 'signed in through single sign-on');
      return reply.redirect(pending.next, 303);
    } catch (error) {
      if (!isAppError(error) || !REFUSALS.has(error.code)) throw error;
      request.log.warn({ reason: error.message }, 'single sign-on refused');
      await recordLogin(ctx, request, { failedEmail: 'single sign-on', reason: error.message });
      return reply.page('login', await loginPage(error.message), statusOf(error.code));
    }
  });
}
