/**
 * Whether a user may manage the server (sign-in settings, everyone's sessions). Roles are being reworked
 * into owner/admin/member; both `owner` and `admin` manage the server, so this survives that change.
 */
import type { User } from './auth.types.js';

export function isServerAdmin(user: Pick<User, 'role'> | undefined): boolean {
  const role: string | undefined = user?.role;
  return role === 'admin' || role === 'owner';
}
