/**
 * From a checked berth.json to what one deploy runs with: the environment's overrides merged over the
 * file's top level (objects key by key, everything else replaced), then the result laid over the service's
 * stored settings. Pure: the deploy hook (deploy-hook.ts) does the reading and recording.
 */
import { parseStartCommand, type StartCommand } from '../build/start-command.js';
import type { AppService, BuildSettings, HealthCheck } from '../projects/service.types.js';
import type { RepoConfigFile, RepoHealthCheck, RepoSettings } from './repo-config.types.js';

const OBJECT_KEYS = ['build', 'healthcheck', 'resources', 'variables'] as const;

/** The file's settings for `environment`: its overrides (if any) merged over the top level. */
export function settingsForEnvironment(
  file: RepoConfigFile,
  environment: string | null,
): { settings: RepoSettings; environment: string | null } {
  const { environments, $schema: _schema, ...base } = file;
  const override = environment ? environments?.[environment] : undefined;
  if (!override) return { settings: base, environment: null };
  const merged: Record<string, unknown> = { ...base, ...override };
  for (const key of OBJECT_KEYS) {
    if (base[key] && override[key]) merged[key] = { ...base[key], ...override[key] };
  }
  return { settings: merged as RepoSettings, environment };
}

export interface EffectiveService {
  service: AppService;
  /** The containers' command, when the file sets `start`. */
  startCommand?: StartCommand;
  /** The release's worker process types, when the file sets `processes` (the Procfile is then not read). */
  processes?: Record<string, string>;
}

/** The service as this deploy sees it: stored settings with the file's on top. */
export function applySettings(service: AppService, settings: RepoSettings): EffectiveService {
  const next: AppService = { ...service };
  if (settings.build) next.build = buildOf(service.build, settings.build);
  if (settings.healthcheck) next.healthcheck = healthcheckOf(service.healthcheck, settings.healthcheck);
  if (settings.replicas !== undefined) next.replicas = settings.replicas;
  if (settings.resources) next.resources = { ...service.resources, ...settings.resources };
  if (settings.release !== undefined) next.releaseCommand = settings.release;
  const startCommand = settings.start === undefined ? undefined : parseStartCommand(settings.start, 'berth.json start');
  const effective: EffectiveService = startCommand ? { service: next, startCommand } : { service: next };
  if (settings.processes !== undefined) effective.processes = settings.processes;
  return effective;
}

function buildOf(stored: BuildSettings, file: NonNullable<RepoSettings['build']>): BuildSettings {
  const build: BuildSettings = { ...stored };
  if (file.buildpack !== undefined) build.buildpack = file.buildpack;
  if (file.dockerfilePath !== undefined) build.dockerfilePath = file.dockerfilePath;
  if (file.builder === 'buildpack') {
    build.builder = 'buildpack';
    delete build.dockerfilePath;
  } else if (file.builder === 'dockerfile') {
    build.builder = 'dockerfile';
    build.dockerfilePath = build.dockerfilePath?.trim() ? build.dockerfilePath : 'Dockerfile';
  }
  return build;
}

function healthcheckOf(stored: HealthCheck, file: RepoHealthCheck): HealthCheck {
  const mentionsHttp = file.path !== undefined || file.expectedStatus !== undefined;
  const type = file.type ?? (mentionsHttp ? 'http' : stored.type);
  const timeoutSeconds = file.timeoutSeconds ?? stored.timeoutSeconds;
  if (type === 'tcp') return { type, timeoutSeconds };
  return {
    type,
    path: file.path ?? (stored.type === 'http' ? stored.path : '/'),
    expectedStatus: file.expectedStatus ?? (stored.type === 'http' ? stored.expectedStatus : 200),
    timeoutSeconds,
  };
}
