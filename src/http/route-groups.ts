/**
 * Who may use a route is decided by the group it is registered in, once, in onRequest (before any body
 * is read): `public` (anyone; routes that authenticate themselves, like the git remote and webhooks, say
 * so in their own onRequest), `panel` (a signed-in session, else the login page) and `api` (a bearer
 * token, else 401). Every route must belong to a group: the app refuses to start otherwise.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { AppError } from '../errors.js';
import type { AppContext } from './context.js';
import { makeRequireToken, makeRequireUser } from './plugins/auth-guards.js';

export type Access = 'public' | 'panel' | 'api';

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access | undefined;
  /** A WebSocket route (GET upgraded by @fastify/websocket). */
  isWebsocket: boolean;
}

type Plugin = (scope: FastifyInstance) => Promise<void>;

const tracked = new WeakMap<object, RouteOptions[]>();

/** Records every route (on the root instance) so the groups can be checked and tests can iterate them. */
export function trackRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  tracked.set(app, routes);
  // onRoute hooks get one options object: the group's hook below tags it after this one has kept it.
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    const outside = registeredRoutes(app).filter((route) => route.access === undefined);
    if (outside.length > 0) {
      const list = outside.map((route) => `${route.method} ${route.url}`).join(', ');
      throw new AppError('INTERNAL', `Routes outside a public, panel or api group: ${list}`);
    }
  });
}

export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return (tracked.get(app) ?? []).flatMap((route) =>
    [route.method].flat().map((method) => ({
      method,
      url: route.url,
      access: (route.config as { access?: Access } | undefined)?.access,
      isWebsocket: Boolean((route as { websocket?: boolean }).websocket),
    })),
  );
}

function tag(scope: FastifyInstance, access: Access): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object | undefined), access } as typeof route.config;
  });
}

/** Anyone may call these (they check their own secrets where they have any). */
export async function publicGroup(app: FastifyInstance, plugins: Plugin[]): Promise<void> {
  await app.register(async (scope) => {
    tag(scope, 'public');
    for (const plugin of plugins) await scope.register(plugin);
  });
}

/** Panel pages: a signed-in session, checked before the body is read; else the login page. */
export async function panelGroup(app: FastifyInstance, ctx: AppContext, plugins: Plugin[]): Promise<void> {
  await app.register(async (scope) => {
    tag(scope, 'panel');
    scope.addHook('onRequest', makeRequireUser(ctx));
    for (const plugin of plugins) await scope.register(plugin);
  });
}

/** API routes: a bearer token, checked before the body is read; else 401. */
export async function apiGroup(
  app: FastifyInstance,
  ctx: AppContext,
  prefix: string,
  plugins: Plugin[],
): Promise<void> {
  await app.register(
    async (scope) => {
      tag(scope, 'api');
      scope.addHook('onRequest', makeRequireToken(ctx));
      for (const plugin of plugins) await scope.register(plugin);
    },
    { prefix },
  );
}
