/** Domain types of the audit log: who did what to which object, from where, with what outcome. */
import type { AuditChanges } from './audit-redact.js';

export type ActorKind = 'user' | 'token' | 'system' | 'git-push' | 'webhook' | 'anonymous';
export const ACTOR_KINDS: readonly ActorKind[] = ['user', 'token', 'system', 'git-push', 'webhook', 'anonymous'];

/**
 * Who acted, as they were at that moment (the email is copied: a later rename or delete does not rewrite
 * the log). `anonymous` is a caller that proved no identity, e.g. a failed login (with the email it tried).
 */
export interface AuditActor {
  kind: ActorKind;
  userId?: string | null;
  email?: string | null;
  tokenId?: string | null;
  tokenName?: string | null;
}

export type AuditOutcome = 'success' | 'failure';
export const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure'];

export interface AuditObject {
  type: string;
  id?: string | null;
  name?: string | null;
}

/** What a feature hands `AuditLog.record`. `changes` must come from `auditDiff` (secret values removed). */
export interface AuditInput {
  actor: AuditActor;
  /** Dotted, lower-case: `service.variables.update`, `login.failed`, `git.push`. */
  action: string;
  object?: AuditObject;
  projectId?: string | null;
  address?: string | null;
  userAgent?: string | null;
  outcome: AuditOutcome;
  statusCode?: number | null;
  /** A short reason in plain words (an error code, "3 refs"); never a secret. */
  detail?: string | null;
  changes?: AuditChanges | null;
  /** Defaults to now (tests of the retention sweep pass an older time). */
  at?: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor: AuditActor;
  action: string;
  object: AuditObject | null;
  projectId: string | null;
  address: string | null;
  userAgent: string | null;
  outcome: AuditOutcome;
  statusCode: number | null;
  detail: string | null;
  changes: AuditChanges | null;
}

/** Every filter is optional; all given ones must match. */
export interface AuditFilter {
  /** Part of the actor's email or token name, or an actor kind (`system`, `webhook`, `git-push`…). */
  actor?: string;
  /** `service` matches `service` and `service.*`; `service.variables.update` matches itself. */
  actionPrefix?: string;
  projectId?: string;
  /** ISO timestamps, inclusive. */
  from?: string;
  to?: string;
  outcome?: AuditOutcome;
}

/** How an actor reads in the panel and the export: an email, `token "ci" (a@b.c)`, `system`. */
export function actorLabel(actor: AuditActor): string {
  switch (actor.kind) {
    case 'user':
      return actor.email ?? actor.userId ?? 'user';
    case 'token':
      return `token "${actor.tokenName ?? actor.tokenId ?? '?'}"${actor.email ? ` (${actor.email})` : ''}`;
    case 'anonymous':
      return actor.email ? `anonymous (tried ${actor.email})` : 'anonymous';
    case 'git-push':
      return actor.email ? `git push by ${actor.email}` : 'git push';
    default:
      return actor.kind;
  }
}
