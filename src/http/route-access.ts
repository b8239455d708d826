/**
 * The permission a route declares in its config (`config: can('project.deploy', 'service')`): what the
 * caller needs, and which kind of object the route's `:id` (or another param) names so the request's
 * project can be found. The route groups enforce it in onRequest; the app refuses to start when a route
 * has none (see route-groups.ts), and test/http/permission-table.test.ts walks them all.
 */
import type { FastifyRequest } from 'fastify';
import {
  PERMISSIONS,
  PROJECT_SOURCES,
  isProjectPermission,
  type Permission,
  type ProjectSource,
} from '../auth/access-policy.js';

export interface RouteAccess {
  permission: Permission;
  /** For project permissions: what the param names. */
  project?: ProjectSource;
  /** The param holding that object's id (default `id`). */
  param?: string;
}

export function can(permission: Permission, project?: ProjectSource, param?: string): RouteAccess {
  return { permission, ...(project ? { project } : {}), ...(param ? { param } : {}) };
}

/** The declared access of a route config, or undefined when it has none (or an unknown one). */
export function routeAccessOf(config: unknown): RouteAccess | undefined {
  const access = config as Partial<RouteAccess> | undefined;
  if (!access || !PERMISSIONS.includes(access.permission as Permission)) return undefined;
  if (isProjectPermission(access.permission!) && !PROJECT_SOURCES.includes(access.project as ProjectSource)) {
    return undefined;
  }
  return access as RouteAccess;
}

/** The caller's role on the request's project, as decided by the permission hook (undefined: none). */
export function accessOf(request: FastifyRequest) {
  return request.access;
}
