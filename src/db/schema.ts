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
import type {
  TrafficSamplesTable,
  RequestLogTable,
  RuntimeLogLinesTable,
  MetricSeriesTable,
  MetricSamplesTable,
} from './schema-telemetry.js';
import type {
  NotificationChannelsTable,
  AlertRulesTable,
  AlertsTable,
  NotificationDeliveriesTable,
} from './schema-alerts.js';
import type { DatabasesTable, BackupsTable } from './schema-databases.js';
import type {
  CronJobsTable,
  CronRunsTable,
  ServiceProcessesTable,
  ServiceVolumesTable,
  VolumeBackupsTable,
  AutoscalePoliciesTable,
} from './schema-workloads.js';
import type { EnvironmentsTable, PreviewSettingsTable, SharedVariablesTable } from './schema-environments.js';

export * from './schema-access.js';
export * from './schema-stacks.js';
export * from './schema-telemetry.js';
export * from './schema-alerts.js';
export * from './schema-databases.js';
export * from './schema-workloads.js';
export * from './schema-environments.js';

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
