/**
 * How environment and shared-variable changes are audited: the object is the project (the route's `:id`),
 * its state the environments by name (with their service counts) and the shared variable keys (never
 * values), so the diff says which environment was created, duplicated or deleted, or which key changed.
 */
import type { AppContext } from '../context.js';
import type { AuditLookup, Found } from './audit-readers.js';

const readEnvironmentsOf: AuditLookup<Found> = async (ctx: AppContext, projectId: string) => {
  try {
    const project = await ctx.projects.get(projectId);
    const environments = Object.fromEntries(
      (await ctx.environments.list(projectId)).map((e) => [e.name, { id: e.id, services: e.serviceCount }]),
    );
    const shared = Object.fromEntries(
      (await ctx.environments.shared.list(projectId)).map((v) => [v.key, { secret: v.secret, updatedAt: v.updatedAt }]),
    );
    return { id: project.id, name: project.name, projectId: project.id, state: { environments, shared } };
  } catch {
    return undefined;
  }
};

interface EnvironmentAuditRule {
  action: string;
  objectType: string;
  read: AuditLookup<Found>;
}

const rule = (action: string): EnvironmentAuditRule => ({ action, objectType: 'project', read: readEnvironmentsOf });

/** Panel forms and API routes of environments → audit actions. */
export const ENVIRONMENT_AUDIT_RULES: Record<string, EnvironmentAuditRule> = {
  'POST /api/v1/projects/:id/environments': rule('environment.create'),
  'PATCH /api/v1/projects/:id/environments/:env': rule('environment.rename'),
  'POST /api/v1/projects/:id/environments/:env/duplicate': rule('environment.duplicate'),
  'DELETE /api/v1/projects/:id/environments/:env': rule('environment.delete'),
  'PATCH /api/v1/projects/:id/shared-variables': rule('shared-variables.set'),
  'DELETE /api/v1/projects/:id/shared-variables/:key': rule('shared-variables.delete'),
  'POST /projects/:id/environments': rule('environment.create'),
  'POST /projects/:id/environments/:env/duplicate': rule('environment.duplicate'),
  'POST /projects/:id/environments/:env/delete': rule('environment.delete'),
  'POST /projects/:id/shared-variables': rule('shared-variables.set'),
  'POST /projects/:id/shared-variables/:key/delete': rule('shared-variables.delete'),
};
