/** Domain types of projects and app services, shared by projects/, source/, build/, deploys/ and http/. */

export interface Project {
  id: string;
  name: string;
  createdAt: string;
  /** The project's private Docker network; services reach each other by service name on it. */
  networkName: string;
  /**
   * What follows the service name in its hostname and database container names: the project's name in
   * production, `<environment>-<project>` in any other environment (environment-scope.ts).
   */
  hostScope: string;
  /** Set when the project is seen from one environment (networkName is then that environment's network). */
  environmentId?: string;
}

export interface Environment {
  id: string;
  projectId: string;
  name: string;
}

export type ServiceSource =
  | { type: 'git'; url: string; branch: string; credentials?: GitCredentialsRef }
  | { type: 'image'; image: string }
  | { type: 'push'; branch: string };

/** Credentials are stored encrypted beside the service; this says only which kind exists. */
export type GitCredentialsRef = { kind: 'token'; username?: string } | { kind: 'ssh-key' };

export interface BuildSettings {
  /** Dockerfile path relative to the context; default "Dockerfile" when the repo has one. */
  dockerfilePath?: string;
  /** Build context relative to the repo root (monorepos); default ".". */
  context?: string;
  buildArgs?: Record<string, string>;
  /** Force a buildpack instead of detection. */
  buildpack?: string;
  /** Set only by a berth.json for one deploy: "buildpack" ignores a Dockerfile, "dockerfile" requires one. */
  builder?: 'dockerfile' | 'buildpack';
}

export type HealthCheck =
  | { type: 'http'; path: string; expectedStatus: number; timeoutSeconds: number }
  | { type: 'tcp'; timeoutSeconds: number };

export interface Resources {
  memoryMb?: number;
  cpus?: number;
}

export interface AppService {
  id: string;
  projectId: string;
  environmentId: string;
  name: string;
  source: ServiceSource;
  build: BuildSettings;
  /** The port the app listens on; null = the one the image EXPOSEs (else DEFAULT_PORT), chosen at deploy. */
  port: number | null;
  healthcheck: HealthCheck;
  resources: Resources;
  replicas: number;
  releaseCommand: string | null;
  /** The containers' command (start-command rules) when berth.json sets no `start`; null/absent: the image's. */
  startCommand?: string | null;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_HEALTHCHECK: HealthCheck = { type: 'http', path: '/', expectedStatus: 200, timeoutSeconds: 60 };
/** The port of an app whose service sets none and whose image exposes none. */
export const DEFAULT_PORT = 3000;

/** `<service>-<project>.<appsDomain>`: every app's default hostname. */
export function defaultHostname(serviceName: string, projectName: string, appsDomain: string): string {
  return `${serviceName}-${projectName}.${appsDomain}`;
}

export interface UrlConfig {
  appsDomain: string;
  httpPort: number;
}

/** `http://<service>-<project>.<apps domain>`, with the proxy's port when it is not 80. */
export function serviceUrl(serviceName: string, projectName: string, config: UrlConfig): string {
  const port = config.httpPort === 80 ? '' : `:${config.httpPort}`;
  return `http://${defaultHostname(serviceName, projectName, config.appsDomain)}${port}`;
}

/** Docker labels every container and image of a service carries (src/workloads/labels.ts). */
export { LABELS } from '../workloads/labels.js';
