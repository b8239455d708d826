/**
 * The one place every change made through the panel or the API is written to the audit log. For each
 * non-GET request of a known caller it reads the route's object before the handler (preHandler: after
 * auth, CSRF and validation) and again after it (onSend: the handler's writes are done, the status is
 * known, and the response waits for the row, so a client that reads the log next sees it). The object
 * comes from the route table in ../audit/audit-actions.ts; request bodies are never read or stored.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditDiff, type AuditChanges } from '../../audit/audit-redact.js';
import type { AuditActor } from '../../audit/audit.types.js';
import type { AppContext } from '../context.js';
import { AUDIT_RULES, RECORDED_BY_ROUTE, isRecordedPublicRoute, type AuditRule } from '../audit/audit-actions.js';
import type { Found } from '../audit/audit-readers.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Pending {
  /** The handler ran (preHandler is skipped when auth, CSRF or validation refused the request first). */
  hasRun: boolean;
  actor?: AuditActor;
  before?: Found;
  beforeList?: Found[];
}

const pendingOf = new WeakMap<FastifyRequest, Pending>();

/** `METHOD /route/:pattern` of a request the hook records, else undefined. */
function keyOf(request: FastifyRequest): string | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const url = request.routeOptions.url;
  if (!url) return undefined;
  const key = `${request.method} ${url}`;
  if (RECORDED_BY_ROUTE.has(key)) return undefined;
  const access = (request.routeOptions.config as { access?: string } | undefined)?.access;
  if (access === 'public' && !isRecordedPublicRoute(key)) return undefined;
  return key;
}

/** The caller as the auth guards found it; for public routes, the session's user if there is one. */
export async function actorOf(ctx: AppContext, request: FastifyRequest): Promise<AuditActor | undefined> {
  const caller = request.apiCaller;
  if (caller) {
    return {
      kind: 'token',
      userId: caller.user.id,
      email: caller.user.email,
      tokenId: caller.token.id,
      tokenName: caller.token.name,
    };
  }
  const user = request.user ?? (await sessionUser(ctx, request));
  return user && { kind: 'user', userId: user.id, email: user.email };
}

async function sessionUser(ctx: AppContext, request: FastifyRequest) {
  const session = request.session as FastifyRequest['session'] | undefined;
  const userId = session?.get('userId');
  return userId ? ctx.auth.findUserById(userId).catch(() => undefined) : undefined;
}

function paramId(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const id = params?.id ?? params?.kind;
  return typeof id === 'string' ? id : undefined;
}

/** What a rule's list is of: the caller's own objects, the route's parent (`:id`), or everything (''). */
function listKeyOf(rule: AuditRule, request: FastifyRequest, actor: AuditActor | undefined): string | undefined {
  return rule.isOwn ? (actor?.userId ?? undefined) : (paramId(request) ?? '');
}

/** The error code of an API error answer, as a short reason for a failure. */
function errorCodeOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || payload.length > 20_000) return undefined;
  return /"code"\s*:\s*"([A-Z_]{2,60})"/.exec(payload)?.[1];
}

export function registerAuditHook(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('preHandler', async (request) => {
    const key = keyOf(request);
    if (!key) return;
    const pending: Pending = { hasRun: true, actor: await actorOf(ctx, request) };
    pendingOf.set(request, pending);
    const rule = AUDIT_RULES[key];
    if (!rule) return;
    if (rule.read) pending.before = await rule.read(ctx, paramId(request) ?? '');
    const listKey = listKeyOf(rule, request, pending.actor);
    if (rule.list && listKey !== undefined) pending.beforeList = await rule.list(ctx, listKey).catch(() => []);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = keyOf(request);
    if (!key) return payload;
    try {
      await recordRequest(ctx, request, reply, key, payload);
    } catch (error) {
      request.log.error({ err: error }, 'could not audit a request');
    }
    return payload;
  });
}

async function recordRequest(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  key: string,
  payload: unknown,
): Promise<void> {
  const pending = pendingOf.get(request) ?? { hasRun: false };
  const rule = AUDIT_RULES[key];
  const actor = pending.actor ?? (await actorOf(ctx, request)) ?? (rule?.publicActor && { kind: rule.publicActor });
  // A caller refused before proving who they are (no session, no token) is not an audit event.
  if (!actor) return;
  const id = paramId(request);
  const outcome = reply.statusCode < 400 ? 'success' : 'failure';
  let found: Found | undefined;
  let changes: AuditChanges | null = null;
  let detail: string | undefined;
  if (!pending.hasRun) {
    // Refused before the handler: nothing changed; the object is the one the URL names.
  } else if (rule?.read) {
    const after = await rule.read(ctx, id ?? '');
    found = after ?? pending.before;
    changes = auditDiff(pending.before?.state, after?.state, { secretPaths: rule.secretPaths });
  } else if (rule?.list) {
    const listKey = listKeyOf(rule, request, actor);
    const afterList = listKey !== undefined ? await rule.list(ctx, listKey).catch(() => []) : [];
    const beforeList = pending.beforeList ?? [];
    if (rule.isOwn && id) {
      const was = beforeList.find((f) => f.id === id);
      found = afterList.find((f) => f.id === id) ?? was;
      changes = auditDiff(was?.state, afterList.find((f) => f.id === id)?.state, { secretPaths: rule.secretPaths });
    } else {
      const known = new Set(beforeList.map((f) => f.id));
      const added = afterList.filter((f) => !known.has(f.id));
      found = added[0];
      changes = auditDiff(undefined, found?.state, { secretPaths: rule.secretPaths });
      if (added.length > 1) detail = `added ${added.map((f) => f.name ?? f.id).join(', ')}`;
    }
  }
  if (outcome === 'failure') detail = errorCodeOf(payload) ?? `HTTP ${reply.statusCode}`;
  await ctx.audit.record({
    actor,
    action: rule?.action ?? `request.${request.method.toLowerCase()}`,
    object: found
      ? { type: rule!.objectType, id: found.id, name: found.name }
      : { type: rule?.objectType ?? 'route', id: id ?? null, name: rule ? null : key },
    projectId: found?.projectId ?? (rule?.objectType === 'project' ? id : undefined),
    address: request.ip,
    userAgent: request.headers['user-agent'],
    outcome,
    statusCode: reply.statusCode,
    detail,
    changes,
  });
}
