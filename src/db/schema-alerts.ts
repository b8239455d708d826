/** Row types of the alerting and notification tables (src/alerts); re-exported by schema.ts. */
import type { Generated } from 'kysely';

export interface NotificationChannelsTable {
  id: string;
  name: string;
  kind: 'webhook' | 'slack' | 'discord' | 'email';
  /** null: a server channel (server-wide alerts and every project's). */
  project_id: string | null;
  enabled: Generated<number>;
  /** JSON: the channel's non-secret settings (URL, SMTP host, recipients...). */
  settings: string;
  /** AES-256-GCM ciphertext of the signing secret (webhook) or SMTP password (email). */
  secret_encrypted: string | null;
  rate_limit_per_hour: Generated<number>;
  created_at: Generated<string>;
  updated_at: Generated<string>;
}

export interface AlertRulesTable {
  kind: string;
  enabled: Generated<number>;
  threshold: number | null;
  window_seconds: number | null;
  updated_at: Generated<string>;
}

export interface AlertsTable {
  id: string;
  rule: string;
  /** What the alert is about, e.g. `service:<id>` or `certificate:<hostname>`; one open alert per rule and subject. */
  subject: string;
  project_id: string | null;
  title: string;
  detail: string;
  status: 'open' | 'resolved';
  opened_at: string;
  resolved_at: string | null;
}

export interface NotificationDeliveriesTable {
  id: string;
  channel_id: string;
  alert_id: string | null;
  event: 'firing' | 'resolved' | 'test';
  title: string;
  status: 'pending' | 'sent' | 'failed' | 'rate_limited';
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  sent_at: string | null;
}
