/** Pre-handlers that decide who is calling: a panel session (requireUser) or an API token (requireToken). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { hxRedirect } from '../htmx.js';

export function makeRequireUser(ctx: AppContext) {
  return async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const userId = request.session.get('userId');
    const user = userId ? await ctx.auth.findUserById(userId) : undefined;
    if (user) {
      request.user = user;
      // "Require two-factor": until this account has enrolled, the account page is the only page it sees.
      if (request.session.get('mustEnrolTwoFactor') && !isEnrolmentPath(request.url)) {
        await hxRedirect(request, reply, '/account');
      }
      return;
    }
    const target = `/login?next=${encodeURIComponent(request.url)}`;
    // htmx follows HX-Redirect with a full navigation instead of swapping a login form into a fragment.
    await hxRedirect(request, reply, target);
  };
}

/** The pages a session that must enrol in two-factor may still use: the account page and its 2FA forms. */
function isEnrolmentPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/account' || path.startsWith('/account/two-factor/');
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

export function makeRequireToken(ctx: AppContext) {
  return async function requireToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const match = BEARER.exec(request.headers.authorization ?? '');
    const caller = match ? await ctx.auth.authenticateToken(match[1]!) : undefined;
    if (!caller) {
      reply.header('www-authenticate', 'Bearer realm="berth"');
      throw new AppError('UNAUTHENTICATED', 'Send a valid API token as "Authorization: Bearer <token>".');
    }
    request.apiCaller = caller;
  };
}

/** Only relative paths on this site are allowed as post-login destinations (no open redirects). */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || !/^\/(?![/\\])[\w\-./?=&%]*$/.test(raw)) return '/';
  return raw;
}

/**
 * A browser's WebSocket carries the session cookie to any page that opens it, including an app served
 * under the same site: only this panel's own pages may open one.
 */
export async function requireSameOrigin(request: FastifyRequest): Promise<void> {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== request.headers.host) throw new AppError('FORBIDDEN', 'This WebSocket is only for the panel itself.');
}
