/** Pre-handlers that decide who is calling: a panel session (requireUser) or an API token (requireToken). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { hxRedirect } from '../htmx.js';
import { routeAccessOf } from '../route-access.js';
import type { Permission } from '../../auth/access-policy.js';

export function makeRequireUser(ctx: AppContext) {
  return async function requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const userId = request.session.get('userId');
    const user = userId ? await ctx.auth.findUserById(userId) : undefined;
    if (user) {
      request.user = user;
      request.caller = { user };
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

/** The pages a session that must enrol in two-factor may still use: the account page, its 2FA and passkey forms. */
function isEnrolmentPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/account' || path.startsWith('/account/two-factor/') || path.startsWith('/account/passkeys');
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
    request.caller = caller;
  };
}

/**
 * The permission table's check, after the caller is known and before any body is read: the route's
 * declared permission (route-access.ts) against the caller's live roles. A project the caller has no
 * role on answers 404, exactly as a project that does not exist; a role too low answers 403.
 */
/** Whether a path param matches the pattern the route's params schema gives it (true when it gives none). */
function fitsParamSchema(request: FastifyRequest, name: string, value: string): boolean {
  const schema = request.routeOptions.schema as { params?: { properties?: Record<string, { pattern?: string }> } };
  const pattern = schema?.params?.properties?.[name]?.pattern;
  if (pattern === undefined) return true;
  let compiled = PATTERNS.get(pattern);
  if (!compiled) PATTERNS.set(pattern, (compiled = new RegExp(pattern)));
  return compiled.test(value);
}

const PATTERNS = new Map<string, RegExp>();

export function makeAuthorize(ctx: AppContext) {
  return async function authorizeRoute(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (reply.sent) return;
    const caller = request.caller;
    if (!caller) return;
    const access = routeAccessOf(request.routeOptions.config);
    if (!access) throw new AppError('FORBIDDEN', 'This route declares no permission.');
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const name = access.param ?? 'id';
    const id = params[name];
    // A project route's id that its own schema would refuse is a bad request whoever asks (it names nothing, so
    // it tells nothing about a project): the same 400 the schema gave before this hook came first.
    if (access.project && id !== undefined && !fitsParamSchema(request, name, id)) {
      throw new AppError('BAD_REQUEST', `params/${name} does not have the expected form.`);
    }
    const result = await ctx.auth.authorize(caller, {
      permission: access.permission,
      source: access.project,
      id,
      method: request.method,
    });
    if (result.decision === 'not-found') throw new AppError('NOT_FOUND', 'Not found (or not shared with you).');
    if (result.decision === 'forbidden') {
      throw new AppError('FORBIDDEN', refusal(access.permission, caller.token?.readOnly === true));
    }
    if (result.projectId && result.role) request.access = { projectId: result.projectId, role: result.role };
  };
}

function refusal(permission: Permission, readOnly: boolean): string {
  if (readOnly) return 'This token is read-only.';
  if (permission === 'server.admin') return 'Only server admins may do this.';
  if (permission === 'server.owner') return 'Only the owner may do this.';
  if (permission === 'account') return 'Manage keys and tokens signed in, or with an unscoped full token.';
  return 'Your role on this project does not allow this.';
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
