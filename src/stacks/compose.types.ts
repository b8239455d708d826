/**
 * What a checked compose file becomes: a stack of services Berth knows how to run, with every option that
 * would reach the host refused on the way (src/stacks/compose-check.ts). Plain data, no behaviour.
 */

/** One refused or malformed value: the line it is on (when known), its dotted field, and why. */
export interface ComposeProblem {
  line: number | undefined;
  field: string;
  message: string;
}

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface StackVolumeMount {
  /** A volume declared at the top level; '' for an anonymous volume; for `tmpfs`, ''. */
  source: string;
  target: string;
  readOnly: boolean;
  type: 'volume' | 'tmpfs' | 'bind';
}

export interface StackHealthcheck {
  /** Docker's form: ['CMD', ...], ['CMD-SHELL', 'cmd'] or ['NONE']. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
}

/** One `env_file:` entry: a path relative to the compose file's folder, normalised, never leaving it upward. */
export interface StackEnvFile {
  path: string;
  /** false: a missing file is skipped (compose's long form `required: false`). */
  required: boolean;
}

export interface StackBuild {
  /** Relative to the compose file's folder in the repository ('.' when the folder itself). */
  context: string;
  dockerfile?: string;
  /** A Dockerfile written in the compose file itself (`dockerfile_inline`). */
  dockerfileInline?: string;
  args: Record<string, string>;
}

export interface StackService {
  name: string;
  image?: string;
  build?: StackBuild;
  environment: Record<string, string>;
  command?: string[];
  entrypoint?: string[];
  user?: string;
  workingDir?: string;
  /** Container ports named under `ports:` or `expose:` (never published on the host). */
  ports: number[];
  volumes: StackVolumeMount[];
  /** Networks of the stack this service joins (none listed: the stack's `default` network). */
  networks: string[];
  /** Extra DNS names of the service per network (`networks: {front: {aliases: [...]}}`); its name is always one. */
  networkAliases?: Record<string, string[]>;
  /** `env_file:` entries (a repository stack only), in the order given; read at deploy, under `environment:`. */
  envFiles?: StackEnvFile[];
  dependsOn: { service: string; condition: DependsCondition }[];
  healthcheck?: StackHealthcheck;
  restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  labels: Record<string, string>;
}

export interface StackDefinition {
  services: StackService[];
  /** Named volumes (top-level `volumes:`), created per stack. */
  volumes: string[];
  /** Named networks (top-level `networks:`), created per stack; `default` may be among them (to configure it). */
  networks: string[];
  /** The declared networks with `internal: true` (no way out of the host; Berth's proxy does not use them). */
  internalNetworks?: string[];
}

export interface ComposeCheck {
  /** Empty when the file can be deployed. */
  problems: ComposeProblem[];
  /** Things Berth accepts but treats its own way (ports not published, container_name ignored …). */
  notes: string[];
  /** Present when `problems` is empty. */
  stack?: StackDefinition;
}

export interface ComposeCheckOptions {
  /** Host folders a bind mount may use (default: none, only named volumes). Absolute paths. */
  allowedHostPaths?: readonly string[];
  /** Values for `${VAR}` in the file (a stack's variables); a name used and not given is a problem. */
  variables?: Readonly<Record<string, string>>;
  /**
   * The compose file's folder, relative to the repository's root ('.' at the root): `env_file:` may name
   * files in the repository. Absent: a pasted file, which has no files beside it.
   */
  composeDir?: string;
}
