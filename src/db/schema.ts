/** Row types of every table, snake_case as stored. Repositories map them to camelCase domain types. */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: 'admin' | 'member';
  created_at: string;
}

export interface SessionsTable {
  sid: string;
  data: string;
  expires_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** The first characters of the token, so people can tell tokens apart without the secret. */
  token_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  settings: SettingsTable;
}
