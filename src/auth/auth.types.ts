/** The auth feature's domain types (the repositories map rows to these; the HTTP layer reads them). */
import type { UsersTable } from '../db/schema.js';

export interface User {
  id: string;
  email: string;
  role: UsersTable['role'];
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
}
