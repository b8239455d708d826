/** Everything one deployment run needs, passed to each step. */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import type { AppService, Project } from '../projects/service.types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Deployment } from './deployment.types.js';
import type { LogWriter } from './deployment-log.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { DeployVolumes, ImageBuilder, PushedCommits, Router, ServiceCatalog, SourceFetcher } from './ports.js';

export interface DeployDeps {
  config: Config;
  db: Db;
  runtime: Runtime;
  catalog: ServiceCatalog;
  fetcher: SourceFetcher;
  builder: ImageBuilder;
  router: Router;
  logger: Logger;
  buildsDir: string;
  timing: DeployTiming;
  /** Seals the variables each deployment ran with (a rollback restores them). */
  secretBox: Pick<SecretBox, 'encrypt' | 'decrypt'>;
  /** Commits pushed to Berth's own git remote; absent where pushes are not wired (some tests). */
  pushed?: PushedCommits;
  /** Where phase changes are announced (the panel's live pages); absent in tests that do not listen. */
  events?: EventPublisher;
  /** The service's named volumes (src/volumes); absent: no volumes (some tests). */
  volumes?: DeployVolumes;
}

export interface DeployTiming {
  /** A new container must stay up this long after its health check passes. */
  stabilisationMs: number;
  /** How long old containers get to finish in-flight requests after the switch. */
  drainTimeoutMs: number;
  /** Grace period for `docker stop` of old containers. */
  stopTimeoutSeconds: number;
}

export const DEFAULT_TIMING: DeployTiming = { stabilisationMs: 3000, drainTimeoutMs: 30_000, stopTimeoutSeconds: 10 };

export interface RunContext {
  deps: DeployDeps;
  deployment: Deployment;
  service: AppService;
  project: Project;
  log: LogWriter;
  signal: AbortSignal;
  /** The containers' command from the source's berth.json (src/repo-config/), when it sets `start`. */
  startCommand?: string[];
  /** The variables a berth.json declares (references unresolved); merged over the stored ones. */
  fileVariables?: Record<string, string>;
  /** The worker process types a berth.json declares (they replace the Procfile's). */
  fileProcesses?: Record<string, string>;
}
