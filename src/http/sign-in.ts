/**
 * The moments a session changes hands, in one place: fully signed in (a fresh session id, defeating
 * fixation, plus when, where and with what for the session list), or half signed in (password right,
 * second factor still to come: no userId, so no panel page and no API accepts it).
 */
import type { FastifyRequest } from 'fastify';

/** A half-signed-in session waits this long for its code, then the password must be typed again. */
export const SECOND_FACTOR_WINDOW_MS = 5 * 60_000;
const MAX_AGENT_LENGTH = 300;

export async function signIn(request: FastifyRequest, userId: string, extra: { mustEnrolTwoFactor?: boolean } = {}) {
  await request.session.regenerate();
  request.session.set('userId', userId);
  request.session.set('signedInAt', Date.now());
  request.session.set('clientIp', request.ip);
  request.session.set('clientAgent', String(request.headers['user-agent'] ?? '').slice(0, MAX_AGENT_LENGTH));
  if (extra.mustEnrolTwoFactor) request.session.set('mustEnrolTwoFactor', true);
}

export async function beginSecondFactor(request: FastifyRequest, userId: string, next: string): Promise<void> {
  await request.session.regenerate();
  request.session.set('pendingUserId', userId);
  request.session.set('pendingSince', Date.now());
  request.session.set('pendingNext', next);
}

/** The user waiting for their second factor, while the window is open. */
export function pendingSecondFactor(request: FastifyRequest): { userId: string; next: string } | undefined {
  const userId = request.session.get('pendingUserId');
  const since = request.session.get('pendingSince') ?? 0;
  if (!userId || Date.now() - since > SECOND_FACTOR_WINDOW_MS) return undefined;
  return { userId, next: request.session.get('pendingNext') ?? '/' };
}
