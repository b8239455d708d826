/**
 * Row types of the account and access tables (users, sessions, second factors, tokens, project members,
 * invitations), snake_case as stored. Re-exported by schema.ts, which assembles the whole Database.
 */
import type { Generated } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: 'admin' | 'member';
  created_at: string;
  /** 1 for the one owner (the claimer, or whom ownership was transferred to); its role stays 'admin'. */
  is_owner: Generated<number>;
}

export interface SessionsTable {
  sid: string;
  data: string;
  expires_at: number;
  /** The signed-in user (0020); null while a session is anonymous or half signed in. */
  user_id: Generated<string | null>;
  /** Epoch ms of the sign-in, and of the last request (0020). */
  created_at: Generated<number | null>;
  last_seen_at: Generated<number | null>;
  ip: Generated<string | null>;
  user_agent: Generated<string | null>;
  /** Epoch ms the session was revoked (0020): a revoked session is refused even if its cookie comes back. */
  revoked_at: Generated<number | null>;
}

export interface UserTotpTable {
  user_id: string;
  /** The base32 TOTP secret, sealed with the SecretBox. */
  secret_encrypted: string;
  /** Null until the first code confirms the enrolment. */
  enabled_at: string | null;
  /** The last accepted time step: a code of that step or an earlier one is refused (no replay). */
  last_step: number | null;
  created_at: string;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  /** SHA-256 hex of the normalised code. */
  code_hash: string;
  used_at: string | null;
}

/** A user's WebAuthn credential (0023); binary values are base64url. */
export interface PasskeysTable {
  id: string;
  user_id: string;
  credential_id: string;
  /** The COSE public key the authenticator registered. */
  public_key: string;
  /** The last signature counter seen (0 for authenticators that do not count). */
  counter: Generated<number>;
  /** Comma-separated transport hints (usb, nfc, ble, internal, hybrid), or null. */
  transports: string | null;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** A WebAuthn challenge waiting for its one answer (0023). */
export interface WebauthnChallengesTable {
  id: string;
  /** base64url, as the browser echoes it in clientDataJSON. */
  challenge: string;
  purpose: 'register' | 'second-factor' | 'passwordless';
  /** The user it was issued to; null for a passwordless sign-in (anyone's passkey may answer). */
  user_id: string | null;
  /** Epoch ms. */
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
  /** The one project this token may reach; null: every project its user may reach. */
  project_id: string | null;
  /** The most this token may do on a project (never more than its user's own role there). */
  role: Generated<ProjectRole>;
  read_only: Generated<number>;
  expires_at: string | null;
}

export type ProjectRole = 'admin' | 'developer' | 'viewer';

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: ProjectRole;
  created_at: string;
}

export interface InvitationsTable {
  id: string;
  token_hash: string;
  email: string | null;
  server_role: 'admin' | 'member';
  /** JSON: [{"projectId", "role"}]. */
  grants: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
  revoked_at: string | null;
}
