/** The auth feature's domain types (the repositories map rows to these; the HTTP layer reads them). */
import type { ProjectRole } from '../db/schema.js';

export type { ProjectRole };

/** Server-wide: the one `owner`, `admin`s (both see and manage everything), and `member`s (only their grants). */
export type ServerRole = 'owner' | 'admin' | 'member';

export interface User {
  id: string;
  email: string;
  role: ServerRole;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The one project it reaches, or null for every project its user reaches. */
  projectId: string | null;
  /** The most it may do on a project; its user's own role there caps it. */
  role: ProjectRole;
  readOnly: boolean;
  expiresAt: string | null;
}

/** Who is calling: a panel session (no token) or an API/git token. */
export interface Caller {
  user: User;
  token?: ApiToken;
}
