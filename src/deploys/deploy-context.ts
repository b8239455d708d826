/** Everything one deployment run needs, passed to each step. */
import type { Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Logger } from '../logger.js';
import type { AppService, Project } from '../projects/service.types.js';
import type { Runtime, VolumeMount } from '../runtime/runtime.js';
import type { Deployment } from './deployment.types.js';
import type { LogWriter } from './deployment-log.js';
import type { EventPublisher } from '../events/event-bus.js';
import type {
  DeployVolumes,
  ImageBuilder,
  PushedCommits,
  Router,
  ServiceCatalog,
  SourceFetcher,
  Upstream,
} from './ports.js';

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
  /** Where releases run (ReleasePlacement, below); absent: Docker containers. */
  placement?: ReleasePlacement;
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

/*
 * Where a release runs: the seam between the deploy pipeline and the scheduler backend. The runner
 * (deploy-runner.ts) fetches, builds and records; a placement starts the new release beside the old one,
 * waits until it is ready, switches the traffic and records it active, undoes a failed start, and reads
 * the release's logs. Docker (docker-placement.ts) is today's pipeline of containers, health checks and a
 * watched switch; Kubernetes (kubernetes-placement.ts) applies a Deployment and lets the proxy follow its
 * ready pod endpoints. The runner never asks which one runs.
 */
/** A started release: its ids as the backend knows them (container ids; the Deployment's name). */
export interface StartedRelease {
  ids: string[];
}

export interface SwitchOptions {
  /** The deployment that served before this one, if any. */
  previous: Deployment | undefined;
  /** Called once traffic reaches the new release (the runner records `watching`). */
  onSwitched: () => Promise<void>;
  /** The phase timings up to now, recorded with the active status. */
  timings: () => Record<string, number>;
}

/** A service's worker processes on a backend other than Docker (the workers API, src/workers). */
export interface PlacedWorkers {
  /** Sets the running replica count of a process type of the service's active release. */
  scale(deps: Pick<DeployDeps, 'catalog'>, serviceId: string, processType: string, replicas: number): Promise<void>;
  /** Per process type of the deployment: how many run, and whether one is crash-looping. */
  counts(
    deps: Pick<DeployDeps, 'catalog'>,
    serviceId: string,
    deploymentId: string,
  ): Promise<Map<string, { running: number; isCrashing: boolean }>>;
}

export interface ReleasePlacement {
  /** Which backend this is, for log lines and refusals. */
  readonly scheduler: 'docker' | 'kubernetes';
  /** Refuses, before any work, what this backend cannot run (after the source and image are known). */
  refuseUnsupported?(ctx: RunContext): Promise<void>;
  /**
   * releasing: the service's release command, in the new image with the new variables, before anything
   * starts; throws to fail the deploy. Absent: a one-off Docker container (deploy-steps.ts runRelease).
   */
  runRelease?(ctx: RunContext, image: string, env: Record<string, string>): Promise<void>;
  /** starting: the new release, beside the one serving now. */
  start(ctx: RunContext, image: string, env: Record<string, string>, volumes: VolumeMount[]): Promise<StartedRelease>;
  /** healthy: waits until the new release passes its health check; the upstreams to route to. */
  waitUntilReady(ctx: RunContext, release: StartedRelease): Promise<Upstream[]>;
  /**
   * The switch (and, on Docker, the watch window), then the deployment recorded active. Returns the ids
   * of the old release the drainer stops once in-flight requests are done (none where the backend drains).
   */
  switchOver(
    ctx: RunContext,
    release: StartedRelease,
    upstreams: Upstream[],
    options: SwitchOptions,
  ): Promise<string[]>;
  /** After a failure before the switch was recorded: the new release goes, the previous one keeps serving. */
  discard(ctx: RunContext, release: StartedRelease): Promise<void>;
  /**
   * After the switch: the release's worker processes replace the previous release's. Absent: worker
   * containers on Docker (worker-release.ts); on the cluster they rolled out with the release, and the
   * Deployments of process types the release no longer has go here.
   */
  replaceWorkers?(ctx: RunContext): Promise<void>;
  /** Worker processes where the backend keeps them outside Docker (absent: containers, worker-set.ts). */
  readonly workers?: PlacedWorkers;
  /** At daemon start, after recovery: picks up what the previous daemon left running (routes). */
  resume?(deps: DeployDeps): Promise<void>;
  /** Deleting a service or project: the undo of what the backend made outside Docker (absent on Docker). */
  readonly cleanup?: {
    removeApp(project: { id: string }, service: { id: string; name: string }): Promise<void>;
    removeProject(projectId: string): Promise<void>;
  };
  /**
   * The runtime log of a deployment's replicas (oldest line first, at most `tail` per replica), where the
   * backend keeps it outside Docker's containers; absent: runtime-logs.ts reads the containers.
   */
  readLogs?(
    deps: Pick<DeployDeps, 'catalog'>,
    serviceId: string,
    deploymentId: string,
    options: { tail: number; timestamps?: boolean },
  ): Promise<{ replica: string; lines: string[] }[]>;
  /**
   * Follows the runtime log of a deployment's replicas live until they are gone or the signal aborts
   * (with readLogs; absent: runtime-logs.ts follows the containers).
   */
  followLogs?(
    deps: Pick<DeployDeps, 'catalog'>,
    serviceId: string,
    deploymentId: string,
    options: { tail: number; timestamps?: boolean; signal?: AbortSignal },
    onLine: (line: string, replica: string) => void,
  ): Promise<void>;
  /**
   * What a deployment's replicas do now, where the backend keeps them outside Docker's containers: ready
   * against wanted, and a crash-looping one (absent: service-state.ts reads the containers).
   */
  readState?(
    deps: Pick<DeployDeps, 'catalog'>,
    serviceId: string,
    deploymentId: string,
  ): Promise<{
    running: number;
    total: number;
    crash: { replica: string; exitCode: number | null; restartCount: number; lastLines: string[] } | null;
  }>;
  /** At daemon stop. */
  stop?(): void;
  /** The last lines the new release printed, for a failure report. */
  lastLogLines(ctx: RunContext, release: StartedRelease): Promise<string[]>;
}
