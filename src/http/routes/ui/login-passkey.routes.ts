/**
 * Signing in with a passkey (public/js/passkeys.js runs the browser's side): as the second factor of a
 * half-signed-in session (password right, like a TOTP code), or alone with a discoverable passkey and user
 * verification. Each is two requests: options with a fresh challenge (its id kept in the session), then the
 * signed answer. Answers count in the login throttle like passwords; both are refused when single sign-on
 * has turned local login off. JSON in and out, CSRF token in the x-csrf-token header.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignInPurpose } from '../../../auth/passkeys.service.js';
import type { AuthenticationResponseJSON } from '../../../auth/webauthn.js';
import { AppError, isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { recordLogin } from '../../audit/login-audit.js';
import { safeNextPath } from '../../plugins/auth-guards.js';
import { pendingSecondFactor, signIn } from '../../sign-in.js';
import { can } from '../../route-access.js';
import { authenticationCredential } from './passkey-schemas.js';

const hidden = { hide: true } as const;
const csrfOnly = { type: 'object', properties: { _csrf: { type: 'string' } } } as const;
/** The throttle's account for an answer naming no registered passkey. */
const UNKNOWN_PASSKEY = 'unknown passkey';

type AnswerBody = { credential: AuthenticationResponseJSON; next?: string };
const answerSchema = {
  type: 'object',
  required: ['credential'],
  properties: {
    credential: authenticationCredential,
    next: { type: 'string', maxLength: 500 },
    _csrf: { type: 'string' },
  },
} as const;

export async function loginPasskeyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const refuseWhenLocalLoginOff = async () => {
    if (await ctx.sso.isLocalLoginDisabled()) {
      throw new AppError('FORBIDDEN', 'Log in with single sign-on: passwords and passkeys are turned off here.');
    }
  };
  const options = { config: can('public'), preValidation: app.csrfProtection };

  app.post('/login/passkey/options', { ...options, schema: { ...hidden, body: csrfOnly } }, async (request) => {
    await refuseWhenLocalLoginOff();
    const { challengeId, options: publicKey } = await ctx.passkeys.startSignIn('passwordless');
    request.session.set('passkeySignIn', challengeId);
    return { options: publicKey };
  });

  app.post<{ Body: AnswerBody }>(
    '/login/passkey',
    { ...options, schema: { ...hidden, body: answerSchema } },
    async (request, reply) => {
      await refuseWhenLocalLoginOff();
      const ownerId = await ctx.passkeys.ownerOf(request.body.credential.id);
      const owner = ownerId ? await ctx.auth.findUserById(ownerId) : undefined;
      const next = safeNextPath(request.body.next);
      return answer(ctx, request, reply, 'passwordless', owner?.email ?? UNKNOWN_PASSKEY, undefined, next);
    },
  );

  app.post(
    '/login/two-factor/passkey/options',
    { ...options, schema: { ...hidden, body: csrfOnly } },
    async (request) => {
      await refuseWhenLocalLoginOff();
      const pending = pendingSecondFactor(request);
      if (!pending) throw new AppError('UNAUTHENTICATED', 'That took too long: log in again.');
      const { challengeId, options: publicKey } = await ctx.passkeys.startSignIn('second-factor', pending.userId);
      request.session.set('passkeySignIn', challengeId);
      return { options: publicKey };
    },
  );

  app.post<{ Body: AnswerBody }>(
    '/login/two-factor/passkey',
    { ...options, schema: { ...hidden, body: answerSchema } },
    async (request, reply) => {
      await refuseWhenLocalLoginOff();
      const pending = pendingSecondFactor(request);
      const user = pending && (await ctx.auth.findUserById(pending.userId));
      if (!pending || !user) throw new AppError('UNAUTHENTICATED', 'That took too long: log in again.');
      return answer(ctx, request, reply, 'second-factor', user.email, user.id, pending.next);
    },
  );
}

/** Checks a passkey's answer under the login throttle; signs in and answers where to go, or refuses. */
async function answer(
  ctx: AppContext,
  request: FastifyRequest<{ Body: AnswerBody }>,
  reply: FastifyReply,
  purpose: SignInPurpose,
  account: string,
  expectedUserId: string | undefined,
  next: string,
): Promise<{ next: string }> {
  const challengeId = request.session.get('passkeySignIn');
  // The challenge is answered once, whatever the outcome.
  request.session.set('passkeySignIn', undefined);
  const decision = ctx.loginThrottle.begin(account, request.ip, await ctx.auth.lastUnlockOf(account));
  if (!decision.allowed) {
    reply.header('retry-after', String(Math.ceil(decision.retryAfterMs / 1000)));
    request.log.warn({ account, ip: request.ip }, 'passkey sign-in throttled');
    await recordLogin(ctx, request, { failedEmail: account, reason: 'too many failed attempts' });
    const minutes = Math.ceil(decision.retryAfterMs / 60_000);
    throw new AppError('RATE_LIMITED', `Too many failed attempts. Try again in ${minutes} minute(s).`);
  }
  const { attempt } = decision;
  try {
    if (attempt.delayMs > 0) await sleep(attempt.delayMs);
    const { userId } = await ctx.passkeys.finishSignIn(purpose, challengeId, request.body.credential, expectedUserId);
    const user = await ctx.auth.findUserById(userId);
    if (!user) throw new AppError('INVALID_CREDENTIALS', 'That passkey was not accepted.');
    attempt.succeeded();
    // A passkey is a second factor itself: "require two-factor" is satisfied.
    await signIn(request, user.id);
    await recordLogin(ctx, request, { user, method: 'a passkey' });
    return { next };
  } catch (error) {
    if (!isAppError(error) || error.code !== 'INVALID_CREDENTIALS') {
      attempt.abandoned();
      throw error;
    }
    await recordLogin(ctx, request, { failedEmail: account, reason: 'passkey refused' });
    throw error;
  }
}
