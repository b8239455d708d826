/**
 * The permission table's enforcement against the database: which project a request's object belongs to,
 * the caller's live role there, and which projects a caller may see in lists.
 */
import type { Db } from '../db/connection.js';
import {
  decideProject,
  decideServer,
  effectiveRole,
  isProjectPermission,
  isServerAdmin,
  type Decision,
  type Permission,
  type ProjectSource,
} from './access-policy.js';
import type { Caller, ProjectRole } from './auth.types.js';
import { findGrant, listGrantsOfUser, projectIdByName, projectIdOf } from './members.repository.js';

export interface AccessDecision {
  decision: Decision;
  projectId?: string;
  /** The caller's role on that project (for what a handler shows, e.g. hidden values for viewers). */
  role?: ProjectRole;
}

export async function authorize(
  db: Db,
  caller: Caller,
  request: { permission: Permission; source?: ProjectSource; id?: string; method: string },
): Promise<AccessDecision> {
  const { permission } = request;
  if (!isProjectPermission(permission)) return { decision: decideServer(caller, permission, request.method) };
  const id = request.id ?? '';
  const projectId =
    request.source === 'git'
      ? await projectIdByName(db, id)
      : request.source
        ? await projectIdOf(db, request.source, id)
        : undefined;
  if (!projectId) return { decision: 'not-found' };
  const membership = await findGrant(db, projectId, caller.user.id);
  return {
    decision: decideProject(caller, permission, projectId, membership, request.method),
    projectId,
    role: effectiveRole(caller, projectId, membership),
  };
}

export async function roleOn(db: Db, caller: Caller, projectId: string): Promise<ProjectRole | undefined> {
  return effectiveRole(caller, projectId, await findGrant(db, projectId, caller.user.id));
}

/** The projects a caller may see: 'all', or the ids of its grants (narrowed by a token's scope). */
export async function visibleProjects(db: Db, caller: Caller): Promise<'all' | Set<string>> {
  const scoped = caller.token?.projectId ?? null;
  if (isServerAdmin(caller.user)) return scoped === null ? 'all' : new Set([scoped]);
  const ids = (await listGrantsOfUser(db, caller.user.id)).map((g) => g.projectId);
  return new Set(scoped === null ? ids : ids.filter((id) => id === scoped));
}
