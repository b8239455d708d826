/**
 * Who may use a route is decided by the group it is registered in, once, in onRequest (before any body
 * is read): `public` (anyone; routes that authenticate themselves, like the git remote and webhooks, say
 * so in their own onRequest), `panel` (a signed-in session, else the login page) and `api` (a bearer
 * token, else 401). Every route must belong to a group, and declare the permission it needs
 * (route-access.ts), checked in one onRequest hook per group: the app refuses to start otherwise.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { AppError } from '../errors.js';
import type { AppContext } from './context.js';
import { makeAuthorize, makeRequireToken, makeRequireUser } from './plugins/auth-guards.js';
import { routeAccessOf, type RouteAccess } from './route-access.js';

export type Access = 'public' | 'panel' | 'api';

export interface RegisteredRoute {
  method: string;
  url: string;
  access: Access | undefined;
  /** A WebSocket route (GET upgraded by @fastify/websocket). */
  isWebsocket: boolean;
  /** The permission it declares (undefined: none, and the app refuses to start). */
  permission: RouteAccess | undefined;
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
    const undeclared = registeredRoutes(app).filter((route) => !permissionFits(route));
    if (undeclared.length > 0) {
      const list = undeclared.map((route) => `${route.method} ${route.url}`).join(', ');
      throw new AppError('INTERNAL', `Routes without a fitting permission (config: can(...)): ${list}`);
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
      permission: routeAccessOf(route.config),
    })),
  );
}

/**
 * The route table seen from any instance of the app: plugins get encapsulated children, which fastify makes
 * with Object.create from their parent, so the root that tracks the routes is on the prototype chain.
 */
export function routeTableOf(instance: FastifyInstance): RegisteredRoute[] {
  for (let o: object | null = instance; o; o = Object.getPrototypeOf(o) as object | null) {
    if (tracked.has(o)) return registeredRoutes(o as FastifyInstance);
  }
  return [];
}

/**
 * Public routes are 'public', except the git remote, which authenticates itself and checks a project
 * permission in its own onRequest; signed-in groups never declare 'public' (it would mean nothing).
 */
function permissionFits(route: RegisteredRoute): boolean {
  const permission = route.permission;
  if (!permission) return false;
  if (route.access === 'public') return permission.permission === 'public' || permission.project === 'git';
  return permission.permission !== 'public' && permission.project !== 'git';
}

/** Wraps a plugin whose routes are public by nature (static files, the API docs) and cannot declare it. */
export function publicByNature(plugin: Plugin): Plugin {
  return async (scope) => {
    scope.addHook('onRoute', (route) => {
      const config = route.config as object | undefined;
      if (!routeAccessOf(config)) route.config = { ...config, permission: 'public' } as typeof route.config;
    });
    await plugin(scope);
  };
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
    scope.addHook('onRequest', makeAuthorize(ctx));
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
      scope.addHook('onRequest', makeAuthorize(ctx));
      for (const plugin of plugins) await scope.register(plugin);
    },
    { prefix },
  );
}
