/**
 * Row types of every table, snake_case as stored; the account and access tables are in schema-access.ts.
 * Repositories map them to camelCase domain types.
 */
import type { Generated } from 'kysely';
import type {
  UsersTable,
  SessionsTable,
  UserTotpTable,
  RecoveryCodesTable,
  PasskeysTable,
  WebauthnChallengesTable,
  ApiTokensTable,
  ProjectMembersTable,
  InvitationsTable,
} from './schema-access.js';
import type { StacksTable } from './schema-stacks.js';
import type { ProjectConfigFilesTable } from './schema-project-config.js';

export * from './schema-access.js';
export * from './schema-stacks.js';

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Generated<string>;
}

export interface ProjectsTable {
  id: string;
  name: string;
  created_at: Generated<string>;
}

export interface EnvironmentsTable {
  id: string;
  project_id: string;
  name: string;
  created_at: Generated<string>;
  /** 'standard' | 'preview'; null reads as 'standard' (migration 0029). */
  kind: Generated<'standard' | 'preview' | null>;
  branch: Generated<string | null>;
  expires_at: Generated<string | null>;
}

/** Per-project preview settings (migration 0034); no row = the defaults. */
export interface PreviewSettingsTable {
  project_id: string;
  enabled: number;
  ttl_hours: number;
  max_previews: number;
  databases: 'empty' | 'seed';
  memory_mb: number;
  allow_forks: number;
  updated_at: string;
}

/** Project-level variables every environment's services reference as `${{shared.KEY}}` (sealed values). */
export interface SharedVariablesTable {
  id: string;
  project_id: string;
  key: string;
  value_encrypted: string;
  secret: Generated<number>;
  updated_at: string;
}

export interface ServicesTable {
  id: string;
  project_id: string;
  environment_id: string;
  name: string;
  kind: 'app' | 'database';
  /** JSON: ServiceSource (src/projects/service.types.ts). */
  source: string;
  /** JSON: BuildSettings. */
  build: Generated<string>;
  port: Generated<number>;
  /** JSON: HealthCheck. */
  healthcheck: Generated<string>;
  /** JSON: Resources. */
  resources: Generated<string>;
  replicas: Generated<number>;
  release_command: string | null;
  /** The containers' command when berth.json sets no start (0036); null: the image's. */
  start_command: string | null;
  created_at: Generated<string>;
  updated_at: Generated<string>;
}

export interface VariablesTable {
  id: string;
  service_id: string;
  key: string;
  /** AES-256-GCM ciphertext (src/lib/secret-box.ts). */
  value_encrypted: string;
  /** 1: the user marked the value secret (redacted from deployment logs). */
  secret: Generated<number>;
  updated_at: Generated<string>;
}

export interface ServiceCredentialsTable {
  service_id: string;
  kind: 'token' | 'ssh-key';
  /** The user name sent with a token (HTTP Basic); null for deploy keys and for the default name. */
  username: string | null;
  /** AES-256-GCM ciphertext of the token or the private key (src/lib/secret-box.ts). */
  secret_encrypted: string;
  updated_at: Generated<string>;
}

export interface DeploymentsTable {
  id: string;
  service_id: string;
  status: string;
  trigger: string;
  triggered_by: string | null;
  commit_sha: string | null;
  commit_message: string | null;
  commit_author: string | null;
  image: string | null;
  rollback_of: string | null;
  error: string | null;
  /** JSON: milliseconds per phase. */
  phase_timings: Generated<string>;
  created_at: Generated<string>;
  started_at: string | null;
  finished_at: string | null;
  /** Sealed JSON (SecretBox) of the variables the deployment ran with; never leaves the deploy feature. */
  variables_encrypted: string | null;
  /** Where the code came from: 'url' | 'push' | 'image' (null: a rollback, or a row older than 0008). */
  built_from: string | null;
  /** JSON of the settings the deployment ran with (0018); null for older rows. */
  settings_json: string | null;
  /** JSON {"<type>": "<command>"} of the release's Procfile process types beyond web (0026); null: none. */
  process_types: string | null;
  /** JSON of the berth.json the deployment applied (0028): path, environment, settings; null: none. */
  config_file_json: string | null;
}

export interface SshKeysTable {
  id: string;
  user_id: string;
  name: string;
  algorithm: string;
  /** The OpenSSH public key line as added (type, base64 blob, no comment). */
  public_key: string;
  /** SHA256:<base64>, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  created_at: Generated<string>;
  last_used_at: string | null;
}

export interface ServiceHooksTable {
  service_id: string;
  /** AES-256-GCM ciphertext of the webhook signing secret. */
  webhook_secret_encrypted: string;
  /** AES-256-GCM ciphertext of the generic deploy-hook token. */
  deploy_token_encrypted: string;
  created_at: Generated<string>;
}

export interface WebhookDeliveriesTable {
  id: string;
  service_id: string;
  provider: string;
  delivery_id: string;
  event: string;
  branch: string | null;
  commit_sha: string | null;
  outcome: string;
  deployment_id: string | null;
  created_at: Generated<string>;
}

export interface DomainsTable {
  id: string;
  service_id: string;
  hostname: string;
  port: number | null;
  redirect_to: string | null;
  hsts: Generated<number>;
  created_at: Generated<string>;
}

/** A custom domain of a compose stack (its routed service and port); migration 0031. */
export interface StackDomainsTable {
  id: string;
  stack_id: string;
  hostname: string;
  created_at: Generated<string>;
}

export interface CertificatesTable {
  hostname: string;
  status: 'pending' | 'issued' | 'failed';
  issuer: string | null;
  not_before: string | null;
  not_after: string | null;
  last_error: string | null;
  failures: Generated<number>;
  last_attempt_at: string | null;
  next_retry_at: string | null;
  updated_at: Generated<string>;
}

export interface DatabasesTable {
  service_id: string;
  engine: 'postgres' | 'mysql' | 'mariadb' | 'redis' | 'mongo';
  image: string;
  /** AES-256-GCM ciphertext of the credentials JSON (src/lib/secret-box.ts). */
  credentials_encrypted: string;
  status: 'creating' | 'running' | 'stopped' | 'failed';
  container_id: string | null;
  volume_name: string;
  memory_mb: number | null;
  cpus: number | null;
  /** Host address and port the database is published on; null = only on the project network. */
  public_host: string | null;
  public_port: number | null;
  backup_schedule: string | null;
  backup_keep: Generated<number>;
  last_error: string | null;
  created_at: Generated<string>;
  updated_at: Generated<string>;
}

export interface BackupsTable {
  id: string;
  database_id: string;
  status: 'running' | 'verified' | 'failed';
  trigger: 'manual' | 'schedule';
  file_name: string | null;
  size_bytes: number | null;
  sha256: string | null;
  dump_ms: number | null;
  verify_ms: number | null;
  source_counts: string | null;
  restored_counts: string | null;
  error: string | null;
  started_at: Generated<string>;
  finished_at: string | null;
}

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

/** src/traffic: per service and window; `latency` is a sparse JSON histogram. Times are epoch ms. */
export interface TrafficSamplesTable {
  service_id: string;
  resolution: '10s' | '1h';
  at: number;
  requests: number;
  status_2xx: number;
  status_3xx: number;
  status_4xx: number;
  status_5xx: number;
  bytes_in: number;
  bytes_out: number;
  latency: string;
  log_dropped: Generated<number>;
}

export interface RequestLogTable {
  id: Generated<number>;
  service_id: string;
  at: number;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
}

export interface RuntimeLogLinesTable {
  id: Generated<number>;
  service_id: string;
  deployment_id: string;
  container_id: string;
  /** A web replica's number, or a worker's `type.replica` (text in this integer column: kept-logs.repository.ts). */
  replica: number | string;
  at: number;
  line: string;
  /** Migration 0022; null for lines kept before it and for Berth's own marker lines. */
  stream: 'stdout' | 'stderr' | null;
}

export interface MetricSeriesTable {
  id: Generated<number>;
  /** A service id, or '@server' for the host. */
  key: string;
}

/** One bucket of one series at one resolution (src/metrics/metrics.repository.ts). */
export interface MetricSamplesTable {
  series: number;
  resolution: 10 | 60 | 3600;
  /** Bucket start, unix seconds. */
  ts: number;
  samples: number;
  span_ms: number;
  cpu_ms: number;
  memory_avg: number;
  memory_max: number;
  memory_limit: number;
  net_rx: number;
  net_tx: number;
  blk_read: number;
  blk_write: number;
  restarts: number;
  containers: number;
  disk_bytes: number | null;
}

/** The audit log (migration 0021): who changed what, when, from where; `changes` holds no secret value. */
export interface AuditEventsTable {
  id: Generated<number>;
  at: Generated<string>;
  actor_kind: 'user' | 'token' | 'system' | 'git-push' | 'webhook' | 'anonymous';
  actor_user_id: string | null;
  actor_email: string | null;
  actor_token_id: string | null;
  actor_token_name: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  object_name: string | null;
  project_id: string | null;
  address: string | null;
  user_agent: string | null;
  outcome: 'success' | 'failure';
  status_code: number | null;
  detail: string | null;
  /** JSON: AuditChanges (src/audit/audit-redact.ts). */
  changes: string | null;
}

/** A scheduled command of an app service (0024). */
export interface CronJobsTable {
  id: string;
  service_id: string;
  name: string;
  schedule: string;
  timezone: string;
  /** JSON: {"argv": string[]} or {"shell": string} (src/cron/cron.types.ts). */
  command: string;
  overlap: 'skip' | 'queue' | 'replace';
  timeout_seconds: number;
  retries: number;
  enabled: number;
  created_at: string;
  updated_at: string;
}

/** One run (or retry attempt) of a cron job (0024); times are epoch ms. */
export interface CronRunsTable {
  id: string;
  job_id: string;
  trigger: 'schedule' | 'manual' | 'retry' | 'queue';
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'timed-out' | 'skipped' | 'cancelled';
  image: string | null;
  container_id: string | null;
  started_at: number;
  ended_at: number | null;
  exit_code: number | null;
  error: string | null;
  log: Generated<string>;
}

/** The replica count of one worker process type of a service (0026); no row means 1. */
export interface ServiceProcessesTable {
  service_id: string;
  process_type: string;
  replicas: number;
  updated_at: string;
}

/** A named volume of an app service (0025). */
export interface ServiceVolumesTable {
  id: string;
  service_id: string;
  name: string;
  mount_path: string;
  /** 1: old and new containers may use it at once during a deploy (zero-downtime switch kept). */
  shared: number;
  created_at: string;
  updated_at: string;
}

/** A verified tar archive of a service volume (0025). */
export interface VolumeBackupsTable {
  id: string;
  volume_id: string;
  status: 'running' | 'verified' | 'failed';
  file_name: string | null;
  size_bytes: number | null;
  file_count: number | null;
  sha256: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
  restored_at: string | null;
}

/** One autoscaling policy per app service (migration 0032). */
export interface AutoscalePoliciesTable {
  service_id: string;
  enabled: number;
  min_replicas: number;
  max_replicas: number;
  metric: 'requests' | 'cpu';
  target: number;
  cooldown_seconds: number;
  last_scaled_at: string | null;
  last_decision: string | null;
  updated_at: string;
}

export interface Database {
  autoscale_policies: AutoscalePoliciesTable;
  traffic_samples: TrafficSamplesTable;
  request_log: RequestLogTable;
  runtime_log_lines: RuntimeLogLinesTable;
  databases: DatabasesTable;
  backups: BackupsTable;
  projects: ProjectsTable;
  project_config_files: ProjectConfigFilesTable;
  environments: EnvironmentsTable;
  shared_variables: SharedVariablesTable;
  preview_settings: PreviewSettingsTable;
  services: ServicesTable;
  variables: VariablesTable;
  service_credentials: ServiceCredentialsTable;
  deployments: DeploymentsTable;
  domains: DomainsTable;
  certificates: CertificatesTable;
  users: UsersTable;
  sessions: SessionsTable;
  user_totp: UserTotpTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  api_tokens: ApiTokensTable;
  project_members: ProjectMembersTable;
  invitations: InvitationsTable;
  settings: SettingsTable;
  ssh_keys: SshKeysTable;
  service_hooks: ServiceHooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  notification_channels: NotificationChannelsTable;
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  notification_deliveries: NotificationDeliveriesTable;
  metric_series: MetricSeriesTable;
  metric_samples: MetricSamplesTable;
  audit_events: AuditEventsTable;
  cron_jobs: CronJobsTable;
  cron_runs: CronRunsTable;
  service_processes: ServiceProcessesTable;
  service_volumes: ServiceVolumesTable;
  volume_backups: VolumeBackupsTable;
  stacks: StacksTable;
  stack_domains: StackDomainsTable;
}
