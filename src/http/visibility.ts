/**
 * Lists show only what the caller may see (the permission hook guards single objects; lists filter here):
 * the dashboard, the projects API, the palette, and the objects a live stream is asked to follow.
 */
import type { FastifyRequest } from 'fastify';
import type { ProjectSource } from '../auth/access-policy.js';
import { AppError } from '../errors.js';
import type { AppContext } from './context.js';

export async function visibleProjectList(ctx: AppContext, request: FastifyRequest) {
  const all = await ctx.projects.list();
  const visible = request.caller ? await ctx.auth.visibleProjects(request.caller) : new Set<string>();
  return visible === 'all' ? all : all.filter((project) => visible.has(project.id));
}

/** 404 unless the caller may read the project of this object (as the permission hook would answer). */
export async function requireReadable(
  ctx: AppContext,
  request: FastifyRequest,
  source: Exclude<ProjectSource, 'git'>,
  id: string,
): Promise<void> {
  const caller = request.caller;
  const result = caller
    ? await ctx.auth.authorize(caller, { permission: 'project.read', source, id, method: 'GET' })
    : undefined;
  if (result?.decision !== 'allow') throw new AppError('NOT_FOUND', 'Not found (or not shared with you).');
}
