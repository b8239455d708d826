/**
 * Sign-ins in the audit log, called by the login route (and, later, by 2FA and single sign-on): the
 * email tried, the address and browser, never the password.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';

export function recordLogin(
  ctx: AppContext,
  request: FastifyRequest,
  result: { user: { id: string; email: string }; method?: string } | { failedEmail: string; reason: string },
): Promise<void> {
  const common = { address: request.ip, userAgent: request.headers['user-agent'] };
  if ('user' in result) {
    const { user } = result;
    return ctx.audit.record({
      ...common,
      actor: { kind: 'user', userId: user.id, email: user.email },
      action: 'login.success',
      object: { type: 'user', id: user.id, name: user.email },
      outcome: 'success',
      ...(result.method ? { detail: `with ${result.method}` } : {}),
    });
  }
  return ctx.audit.record({
    ...common,
    actor: { kind: 'anonymous', email: result.failedEmail },
    action: 'login.failed',
    object: { type: 'user', name: result.failedEmail },
    outcome: 'failure',
    detail: result.reason,
  });
}
