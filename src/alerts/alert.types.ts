/** Domain types of alerts and notifications: rule kinds, findings, alerts, channels and deliveries. */

export const RULE_KINDS = [
  'deploy_failed',
  'crash_loop',
  'oom_killed',
  'health_failing',
  'certificate_expiring',
  'certificate_renewal_failed',
  'backup_failed',
  'backup_missing',
  'disk_usage',
  'cpu_high',
  'memory_high',
  'http_5xx_rate',
  'cron_failed',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface AlertRule {
  kind: RuleKind;
  enabled: boolean;
  /** Unit depends on the kind (see RULE_DESCRIPTIONS); null for rules without one. */
  threshold: number | null;
  /** How long a condition must hold (cpu, memory, 5xx), in seconds; null for the others. */
  windowSeconds: number | null;
}

/** What each rule watches and the unit of its threshold, for the panel and the API documentation. */
export const RULE_DESCRIPTIONS: Record<RuleKind, { label: string; unit: string | null }> = {
  deploy_failed: { label: 'A deployment failed (resolves when a later one goes live)', unit: null },
  crash_loop: { label: 'A container crash-loops', unit: 'restarts' },
  oom_killed: { label: 'A container was killed for running out of memory', unit: null },
  health_failing: { label: "A container's health check fails", unit: null },
  certificate_expiring: { label: 'A certificate expires soon', unit: 'days' },
  certificate_renewal_failed: { label: 'Ordering or renewing a certificate fails', unit: null },
  backup_failed: { label: "A database's last backup failed", unit: null },
  backup_missing: { label: 'A scheduled database has no verified backup for a while', unit: 'hours' },
  disk_usage: { label: "The data directory's disk is nearly full", unit: 'percent used' },
  cpu_high: { label: 'Sustained high CPU use', unit: 'percent' },
  memory_high: { label: 'Sustained high memory use', unit: 'percent of the limit' },
  http_5xx_rate: { label: 'Many 5xx answers', unit: 'percent of requests' },
  cron_failed: { label: "A cron job's last run failed or timed out", unit: null },
};

/** A condition a rule sees right now. `subject` names what it is about; one open alert per rule and subject. */
export interface Finding {
  subject: string;
  projectId: string | null;
  title: string;
  detail: string;
}

export interface Alert extends Finding {
  id: string;
  rule: RuleKind;
  status: 'open' | 'resolved';
  openedAt: string;
  resolvedAt: string | null;
}

export const CHANNEL_KINDS = ['webhook', 'slack', 'discord', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export type EmailSecurity = 'tls' | 'starttls' | 'none';

/** Non-secret settings per kind. Secrets (webhook signing secret, SMTP password) are stored apart, encrypted. */
export type ChannelSettings =
  | { url: string }
  | { host: string; port: number; security: EmailSecurity; username: string | null; from: string; to: string[] };

export interface Channel {
  id: string;
  name: string;
  kind: ChannelKind;
  /** null: a server channel (server-wide alerts and every project's alerts). */
  projectId: string | null;
  enabled: boolean;
  settings: ChannelSettings;
  /** Whether a secret (signing secret, SMTP password) is stored; the secret itself never leaves. */
  hasSecret: boolean;
  rateLimitPerHour: number;
  createdAt: string;
  updatedAt: string;
}

export type DeliveryEvent = 'firing' | 'resolved' | 'test';
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'rate_limited';

export interface Delivery {
  id: string;
  channelId: string;
  alertId: string | null;
  event: DeliveryEvent;
  title: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
}
