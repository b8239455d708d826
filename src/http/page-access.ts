/**
 * Which panel pages a caller may open, asked of the route table itself (each GET route's declared
 * permission; a HEAD route stands for its GET, as for the API docs whose plugin adds its GET unseen), so that lists of links (the command palette) offer only what the guard would let through.
 */
import type { FastifyInstance } from 'fastify';
import { mayDo } from '../auth/access-policy.js';
import type { Caller, ProjectRole } from '../auth/auth.types.js';
import { routeTableOf, type RegisteredRoute } from './route-groups.js';

function patternOf(url: string): RegExp {
  const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

export type PageCheck = (url: string, projectRole?: ProjectRole) => boolean;

/** A check for GET page URLs: false for a page the caller may not open, or that is no route at all. */
export function pageAccess(app: FastifyInstance, caller: Caller | undefined): PageCheck {
  const gets = routeTableOf(app)
    .filter((route): route is RegisteredRoute & { permission: NonNullable<RegisteredRoute['permission']> } =>
      Boolean((route.method === 'GET' || route.method === 'HEAD') && !route.isWebsocket && route.permission),
    )
    .map((route) => ({
      pattern: patternOf(route.url),
      permission: route.permission.permission,
      isStatic: !route.url.includes(':'),
    }));
  // A static path wins over a parametric one (/server/https before /server/:anything), as in the router.
  gets.sort((a, b) => Number(b.isStatic) - Number(a.isStatic));
  return (url, projectRole) => {
    const path = url.split('?')[0]!;
    const route = gets.find((candidate) => candidate.pattern.test(path));
    return route !== undefined && mayDo(caller, route.permission, projectRole);
  };
}
