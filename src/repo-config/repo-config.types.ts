/** The settings a berth.json declares (src/repo-config/berth-schema.ts is their published schema). */

export interface RepoBuildSettings {
  builder?: 'dockerfile' | 'buildpack';
  dockerfilePath?: string;
  buildpack?: 'node' | 'python' | 'go' | 'static';
  /** Gitignore-style patterns: a webhook push that changes none of the matching files does not deploy. */
  watchPaths?: string[];
}

export interface RepoHealthCheck {
  type?: 'http' | 'tcp';
  path?: string;
  expectedStatus?: number;
  timeoutSeconds?: number;
}

export interface RepoSettings {
  build?: RepoBuildSettings;
  /** The command the app's containers run (src/build/start-command.ts rules). */
  start?: string;
  /** The release (pre-deploy) command, run once in the new image before it goes live. */
  release?: string;
  healthcheck?: RepoHealthCheck;
  replicas?: number;
  resources?: { memoryMb?: number; cpus?: number };
  /** Worker process types and their commands (start-command rules); when set, the Procfile's are not read. */
  processes?: Record<string, string>;
  /** Literal non-secret values, or values with `${{service.VAR}}` references. */
  variables?: Record<string, string>;
  /** Only in the top level of a file (and so in what a deployment records), never in an override. */
  preview?: RepoPreviewSettings;
}

/** The project's preview settings a file may set (the production apps' files count; see preview-file.ts). */
export interface RepoPreviewSettings {
  enabled?: boolean;
  ttlHours?: number;
  maxPreviews?: number;
  databases?: 'empty' | 'seed';
  memoryMb?: number;
}

export interface RepoConfigFile extends RepoSettings {
  $schema?: string;
  environments?: Record<string, RepoSettings>;
}

/** What a deployment records: the file's path in the repository and the settings it applied. */
export interface AppliedConfigFile {
  path: string;
  /** The environment whose overrides were merged in, when the file had any for it. */
  environment: string | null;
  /** The effective settings from the file (after the environment's overrides). */
  settings: RepoSettings;
}
