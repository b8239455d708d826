/**
 * The one permission table's vocabulary and its rules, pure. Every route declares one Permission (and,
 * for project permissions, which kind of object its `:id` names); the HTTP layer resolves the project
 * and asks `decide`. A project the caller has no role on is invisible (404); a role too low is 403.
 */
import type { ApiToken, Caller, ProjectRole, User } from './auth.types.js';

export const PERMISSIONS = [
  /** Anyone, no sign-in (login, setup, health, webhooks that check their own secret). */
  'public',
  /** Any signed-in user or live token; the route shows only what the caller may see. */
  'signed-in',
  /** The caller's own account (SSH keys, tokens): a session or an unscoped, full token only. */
  'account',
  'server.admin',
  'server.owner',
  'project.read',
  'project.deploy',
  'project.admin',
  /** A shell in the project's app containers (web terminal): developers and admins, never a read-only token. */
  'project.terminal',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a project route's `:id` (or, for git, the path) names. */
export const PROJECT_SOURCES = [
  'project',
  'service',
  'database',
  'deployment',
  'domain',
  'backup',
  'git',
  'stack',
] as const;
export type ProjectSource = (typeof PROJECT_SOURCES)[number];

export type ProjectPermission = Extract<Permission, `project.${string}`>;

const RANK: Record<ProjectRole, number> = { viewer: 1, developer: 2, admin: 3 };
export const NEEDED: Record<ProjectPermission, ProjectRole> = {
  'project.read': 'viewer',
  'project.deploy': 'developer',
  'project.admin': 'admin',
  'project.terminal': 'developer',
};

export function isProjectPermission(permission: Permission): permission is ProjectPermission {
  return permission.startsWith('project.');
}

export function isServerAdmin(user: Pick<User, 'role'>): boolean {
  return user.role === 'owner' || user.role === 'admin';
}

export function atLeast(role: ProjectRole | undefined, needed: ProjectRole): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

export function lowerOf(a: ProjectRole, b: ProjectRole): ProjectRole {
  return RANK[a] <= RANK[b] ? a : b;
}

/** Whether the token acts with its user's whole account (no project scope, full role). */
export function isFullToken(token: ApiToken | undefined): boolean {
  return token === undefined || (token.projectId === null && token.role === 'admin' && !token.readOnly);
}

/** The caller's role on a project: the user's (server admins are admin everywhere), capped by the token. */
export function effectiveRole(
  caller: Caller,
  projectId: string,
  membership: ProjectRole | undefined,
): ProjectRole | undefined {
  const own = isServerAdmin(caller.user) ? 'admin' : membership;
  if (!own) return undefined;
  const token = caller.token;
  if (!token) return own;
  if (token.projectId !== null && token.projectId !== projectId) return undefined;
  return lowerOf(own, token.role);
}

export type Decision = 'allow' | 'not-found' | 'forbidden';

const READS = new Set(['GET', 'HEAD']);

/** Server and account permissions (no project involved). */
export function decideServer(caller: Caller, permission: Permission, method: string): Decision {
  if (caller.token?.readOnly && !READS.has(method)) return 'forbidden';
  switch (permission) {
    case 'public':
    case 'signed-in':
      return 'allow';
    case 'account':
      return isFullToken(caller.token) || READS.has(method) ? 'allow' : 'forbidden';
    case 'server.admin':
      return isServerAdmin(caller.user) && serverToken(caller.token) ? 'allow' : 'forbidden';
    case 'server.owner':
      return caller.user.role === 'owner' && serverToken(caller.token) ? 'allow' : 'forbidden';
    default:
      return 'forbidden';
  }
}

/** Server-wide settings through a token need one that is not scoped down (read-only may still read). */
function serverToken(token: ApiToken | undefined): boolean {
  return token === undefined || (token.projectId === null && token.role === 'admin');
}

export function decideProject(
  caller: Caller,
  permission: ProjectPermission,
  projectId: string,
  membership: ProjectRole | undefined,
  method: string,
): Decision {
  const role = effectiveRole(caller, projectId, membership);
  if (!role) return 'not-found';
  if (caller.token?.readOnly && (!READS.has(method) || permission === 'project.terminal')) return 'forbidden';
  return atLeast(role, NEEDED[permission]) ? 'allow' : 'forbidden';
}

/** Whether the caller may see secret values (variables, database credentials) on a project. */
export function maySeeSecrets(role: ProjectRole | undefined): boolean {
  return atLeast(role, 'developer');
}

/**
 * Whether the caller may do what `permission` allows, where `projectRole` is their effective role on the
 * project in view (undefined: none, or no project in view). The panel renders only the controls this
 * allows; it asks the same table the route guard does (a write, so a read-only token may not).
 */
export function mayDo(
  caller: Caller | undefined,
  permission: Permission,
  projectRole: ProjectRole | undefined,
): boolean {
  if (!PERMISSIONS.includes(permission)) throw new Error(`Unknown permission "${String(permission)}".`);
  if (!caller) return permission === 'public';
  if (!isProjectPermission(permission)) return decideServer(caller, permission, 'POST') === 'allow';
  if (caller.token?.readOnly && permission !== 'project.read') return false;
  return atLeast(projectRole, NEEDED[permission]);
}
