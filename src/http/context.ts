/** What the HTTP layer is given by main.ts. Routes reach features only through these. */
import type { Logger } from 'pino';
import type { SqliteSessionStore } from '../auth/session-store.js';
import type { LoginThrottle } from '../auth/login-throttle.js';
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Runtime } from '../runtime/runtime.js';
import type { DeploySystem } from '../deploys/deploy-system.js';
import type { GitRemote } from '../git/git-remote.js';
import type { HttpsSystem } from '../tls/https-system.js';
import type { DatabaseFeature } from '../databases/database-feature.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import type { AlertsFeature } from '../alerts/alerts-feature.js';
import type { TrafficFeature } from '../traffic/traffic.service.js';
import type { KeptLogs } from '../kept-logs/kept-logs.service.js';
import type { MetricsFeature } from '../metrics/metrics-feature.js';
import type { EventBus } from '../events/event-bus.js';

export interface AppContext {
  config: Config;
  db: Db;
  runtime: Runtime;
  logger: Logger;
  sessionStore: SqliteSessionStore;
  loginThrottle: LoginThrottle;
  /** Signs session cookies; kept in the data dir so sessions survive restarts. */
  sessionSecret: string;
  /** Encrypts variables and credentials at rest. */
  secretBox: SecretBox;
  version: string;
  deploys: DeploySystem;
  /** The built-in git remote (push to deploy); absent in tests that do not need it. */
  git?: GitRemote;
  /** Custom domains, certificates and the DNS check; absent in tests that build the app alone. */
  https?: HttpsSystem;
  /** Managed databases and their backups. */
  databases: DatabaseFeature;
  /** Confirmed deletes that stop and remove everything a service or project had. */
  lifecycle: Lifecycle;
  /** Alert rules, notification channels and their history; absent in tests that build the app alone. */
  alerts?: AlertsFeature;
  /** HTTP metrics and the request log from the proxy; absent in tests that do not need them. */
  traffic?: TrafficFeature;
  /** Runtime logs kept per deployment (they outlive the containers); absent in tests that do not need them. */
  keptLogs?: KeptLogs;
  /** Resource metrics, usage and the Prometheus endpoint; absent in tests that build the app alone. */
  metrics?: MetricsFeature;
  /** What changed, for the live pages (the SSE stream); absent in tests that build the app alone. */
  events?: EventBus;
}
