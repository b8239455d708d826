/**
 * What the HTTP layer is given by the composition root (src/compose/). Routes reach features only through
 * these facades: never the database, a repository, the container runtime or a service's internal deps.
 */
import type { Autoscaler } from '../autoscale/autoscaler.js';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { SqliteSessionStore } from '../auth/session-store.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { AuthFacade } from '../auth/auth.facade.js';
import type { CliLogins } from '../auth/cli-logins.js';
import type { SsoFacade } from '../auth/sso.facade.js';
import type { TwoFactorFacade } from '../auth/two-factor.facade.js';
import type { PasskeysFacade } from '../auth/passkeys.facade.js';
import type { Config } from '../config.js';
import type { CronService } from '../cron/cron.service.js';
import type { WorkersService } from '../workers/workers.service.js';
import type { VolumesFeature } from '../volumes/volumes-feature.js';
import type { StacksService } from '../stacks/stacks.service.js';
import type { TemplatesService } from '../templates/templates.service.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import type { EngineStatusFacade } from '../doctor/engine-status.js';
import type { GitRemote } from '../git/git-remote.js';
import type { SshKeysFacade } from '../git/ssh-keys.facade.js';
import type { DomainsFeature } from '../domains/domains-feature.js';
import type { DatabaseFeature } from '../databases/database-feature.js';
import type { EnvironmentsFeature } from '../environments/environments-feature.js';
import type { PreviewsFeature } from '../previews/previews-feature.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { AlertsFeature } from '../alerts/alerts-feature.js';
import type { TrafficFeature } from '../traffic/traffic.service.js';
import type { KeptLogs } from '../kept-logs/kept-logs.service.js';
import type { MetricsFeature } from '../metrics/metrics-feature.js';
import type { EventBus } from '../events/event-bus.js';
import type { ProjectsFacade, VariablesFacade } from '../projects/projects.facade.js';
import type { ProjectConfigFacade } from '../project-config/project-config.facade.js';
import type { UpgradeFacade } from '../upgrade/upgrade.facade.js';
import type { HooksFacade } from '../webhooks/hooks.facade.js';
import type { WebhookReceiver } from '../webhooks/webhook-receiver.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  sessionStore: SqliteSessionStore;
  loginThrottle: LoginThrottle;
  /** Signs session cookies; kept in the data dir so sessions survive restarts. */
  sessionSecret: string;
  version: string;
  /** Users, sign-in, the setup claim and API tokens. */
  auth: AuthFacade;
  /** `berth login` with browser approval: pending requests, in memory. */
  cliLogins: CliLogins;
  /** TOTP enrolment, the second login step, recovery codes and "require two-factor". */
  twoFactor: TwoFactorFacade;
  /** WebAuthn passkeys: add, rename, remove, and sign in with one (second factor or without password). */
  passkeys: PasskeysFacade;
  /** Single sign-on (OpenID Connect): settings, the sign-in and its callback. */
  sso: SsoFacade;
  /** Projects and their app services (lists, lookups, creation). */
  projects: ProjectsFacade;
  /** Each app service's variables. */
  variables: VariablesFacade;
  /** Project as code: export, plan and apply a berth.project.json, and drift from the file last applied. */
  projectConfig?: ProjectConfigFacade;
  /** Each user's SSH keys for git push. */
  sshKeys: SshKeysFacade;
  /** Whether the Docker engine answers, and its facts. */
  engine: EngineStatusFacade;
  /** Starts an in-place upgrade (installed container only). */
  upgrade: UpgradeFacade;
  /** Deployments, service lookups and runtime logs. */
  deploys: DeploySystem;
  /** Webhook deliveries and deploy hooks from git hosts. */
  webhooks: WebhookReceiver;
  /** A service's git endpoints and hook secrets. */
  hooks: HooksFacade;
  /** The built-in git remote (push to deploy); absent in tests that do not need it. */
  git?: GitRemote;
  /** Custom domains, certificates and the DNS check; absent in tests that build the app without it. */
  https?: DomainsFeature;
  /** Managed databases and their backups. */
  databases: DatabaseFeature;
  /** Confirmed deletes that stop and remove everything a service or project had. */
  lifecycle: Lifecycle;
  /** Alert rules, notification channels and their history; absent in tests that build the app without it. */
  alerts?: AlertsFeature;
  /** HTTP metrics and the request log from the proxy. */
  traffic?: TrafficFeature;
  /** Runtime logs kept per deployment (they outlive the containers). */
  keptLogs?: KeptLogs;
  /** Resource metrics, usage and the Prometheus endpoint. */
  metrics?: MetricsFeature;
  /** What changed, for the live pages (the SSE stream); absent in tests that build the app alone. */
  events?: EventBus;
  /**
   * Who changed what: every panel/API change is recorded by the hook in plugins/audit-hook.ts; features and
   * routes the hook cannot see (logins, pushes) call `audit.record(...)` themselves.
   */
  audit: AuditLog;
  /** Cron jobs of app services: schedules, runs and their history. */
  cron: CronService;
  /** Worker processes (Procfile types beyond web) of app services: replicas and their state. */
  workers: WorkersService;
  /** Autoscaling policies of app services (src/autoscale). */
  autoscale: Autoscaler;
  /** Named volumes of app services and their backups. */
  volumes: VolumesFeature;
  /** Compose stacks and their deploys. */
  stacks: StacksService;
  /** The one-click template catalog; installs become stacks. */
  templates: TemplatesService;
  /** A project's environments (create, duplicate, delete) and its shared variables. */
  environments: EnvironmentsFeature;
  /** Preview environments of branches and pull requests, and each project's preview settings. */
  previews: PreviewsFeature;
}
