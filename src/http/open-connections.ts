/**
 * The panel's long-lived connections (the log WebSockets, the live event stream) are authorized when they
 * open, and again whenever the auth feature says a person's access changed (removed, a role lowered, a
 * role from single sign-on): each of that person's open connections asks the permission table once more
 * (and whether its session still exists) and closes itself when the answer is no longer "allow".
 */
import type { FastifyRequest } from 'fastify';
import { isProjectPermission, type Permission, type ProjectSource } from '../auth/access-policy.js';
import type { AppContext } from './context.js';
import { routeAccessOf } from './route-access.js';

export interface OpenConnection {
  userId: string;
  /** Whether the connection may stay open now. */
  isStillAllowed(): Promise<boolean>;
  close(): void;
}

export class OpenConnections {
  private readonly byUser = new Map<string, Set<OpenConnection>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Returns the function that forgets the connection (call it when it closes). */
  add(connection: OpenConnection): () => void {
    let set = this.byUser.get(connection.userId);
    if (!set) this.byUser.set(connection.userId, (set = new Set()));
    const own = set;
    own.add(connection);
    return () => {
      own.delete(connection);
      if (own.size === 0 && this.byUser.get(connection.userId) === own) this.byUser.delete(connection.userId);
    };
  }

  /** Checks every open connection of the user; closes those that may no longer stay. Resolves with how many closed. */
  async recheck(userId: string): Promise<number> {
    let closed = 0;
    for (const connection of [...(this.byUser.get(userId) ?? [])]) {
      let isAllowed = false;
      try {
        isAllowed = await connection.isStillAllowed();
      } catch (error) {
        this.onError(error);
      }
      if (!isAllowed) {
        connection.close();
        closed++;
      }
    }
    return closed;
  }

  countOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }
}

const registries = new WeakMap<AppContext, OpenConnections>();

/** The registry of this app's open connections, listening to the auth feature's access changes. */
export function openConnectionsOf(ctx: AppContext): OpenConnections {
  let registry = registries.get(ctx);
  if (!registry) {
    const made = new OpenConnections((error) => ctx.logger.warn({ err: error }, 'an open connection check failed'));
    ctx.auth.onAccessChanged((userId) => {
      void made.recheck(userId);
    });
    registries.set(ctx, (registry = made));
  }
  return registry;
}

/** Whether the request's session still exists (removal and a lower role delete the person's sessions). */
function hasSession(ctx: AppContext, request: FastifyRequest): Promise<boolean> {
  const sid = request.session.sessionId;
  return new Promise((resolve) => {
    ctx.sessionStore.get(sid, (error, session) => resolve(!error && Boolean(session)));
  });
}

/**
 * Watches an open connection of a signed-in panel request: `objects` are what it shows (for a route with a
 * project permission, its own `:id` by default), each checked as the permission table would check it now.
 * Returns the function that stops watching.
 */
export function watchAccess(
  ctx: AppContext,
  request: FastifyRequest,
  close: () => void,
  objects?: Array<{ source: Exclude<ProjectSource, 'git'>; id: string }>,
): () => void {
  const userId = request.user?.id;
  if (!userId) return () => {};
  const access = routeAccessOf(request.routeOptions.config);
  const source = access?.project;
  const own = source ? ((request.params ?? {}) as Record<string, string | undefined>)[access.param ?? 'id'] : undefined;
  const checks = objects ?? (source && source !== 'git' && own ? [{ source, id: own }] : []);
  // What each object needs: the route's project permission, else reading it (the live stream is 'signed-in').
  const needed: Permission = access && isProjectPermission(access.permission) ? access.permission : 'project.read';
  return openConnectionsOf(ctx).add({
    userId,
    close,
    isStillAllowed: async () => {
      const user = await ctx.auth.findUserById(userId);
      if (!user || !(await hasSession(ctx, request))) return false;
      for (const check of checks) {
        const result = await ctx.auth.authorize({ user }, { ...check, permission: needed, method: 'GET' });
        if (result.decision !== 'allow') return false;
      }
      return true;
    },
  });
}
