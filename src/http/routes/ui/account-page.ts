/** The account page's one renderer: two-factor, passkeys and sessions, for its routes and the passkey forms. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../../errors.js';
import type { AppContext } from '../../context.js';
import { keepUrl } from '../../htmx.js';

/** Form errors shown in place on the account page. */
const ACCOUNT_ERRORS = new Set(['INVALID_CREDENTIALS', 'CONFLICT', 'VALIDATION_FAILED', 'NOT_FOUND']);

export async function renderAccount(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  extra: Record<string, unknown> = {},
  status = 200,
): Promise<void> {
  const userId = request.user!.id;
  await reply.page(
    'account',
    {
      title: 'Account',
      twoFactor: await ctx.twoFactor.status(userId),
      enrolment: await ctx.twoFactor.pending(userId),
      isTwoFactorRequired: await ctx.twoFactor.isRequired(),
      mustEnrol: request.session.get('mustEnrolTwoFactor') === true,
      passkeys: await ctx.passkeys.list(userId),
      sessions: await ctx.auth.listSessions(userId, request.session.sessionId),
      ...extra,
    },
    status,
  );
}

/** Shows a form error in place on the account page (422); rethrows what is not a form error. */
export async function renderAccountError(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): Promise<void> {
  if (!isAppError(error) || !ACCOUNT_ERRORS.has(error.code)) throw error;
  keepUrl(reply);
  await renderAccount(ctx, request, reply, { error: error.message }, 422);
}
