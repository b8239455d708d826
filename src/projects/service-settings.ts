/**
 * The settings of an app service other than its name and source: port, health check, build, resources,
 * replicas and release command. A patch names only what changes; nested objects are merged (a key set
 * to null is cleared), except build args, which are replaced as a whole.
 */
import { parseStartCommand } from '../build/start-command.js';
import { AppError, isAppError } from '../errors.js';
import { DEFAULT_HEALTHCHECK, type BuildSettings, type HealthCheck, type Resources } from './service.types.js';
import {
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkRelativePath,
  isPlainObject,
  type Problems,
} from './settings-checks.js';

export interface ServiceSettings {
  /** null: the port the image exposes, chosen at each deploy. */
  port: number | null;
  healthcheck: HealthCheck;
  build: BuildSettings;
  resources: Resources;
  replicas: number;
  releaseCommand: string | null;
  /** The containers' command when berth.json sets none (src/build/start-command.ts rules); null: the image's. */
  startCommand?: string | null;
}

export interface SettingsPatch {
  port?: unknown;
  healthcheck?: unknown;
  build?: unknown;
  resources?: unknown;
  replicas?: unknown;
  releaseCommand?: unknown;
  startCommand?: unknown;
}

export const DEFAULT_SETTINGS: ServiceSettings = {
  port: null,
  healthcheck: DEFAULT_HEALTHCHECK,
  build: {},
  resources: {},
  replicas: 1,
  releaseCommand: null,
  startCommand: null,
};

export const LIMITS = {
  port: [1, 65535],
  replicas: [1, 10],
  memoryMb: [16, 65536],
  cpus: [0.05, 64],
  expectedStatus: [100, 599],
  timeoutSeconds: [1, 600],
  releaseCommandLength: 1000,
  buildArgs: 100,
  buildArgValueLength: 4096,
} as const;

const HEALTH_PATH = /^\/[A-Za-z0-9\-._~/%?=&+:@,]{0,511}$/;
const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const BUILDPACK = /^[a-z][a-z0-9-]{0,31}$/;
// One line of printable text: the deploy passes it to the container as arguments, never to a host shell.
const RELEASE_COMMAND = /^[^\p{Cc}]+$/u;

function checkHealthcheck(problems: Problems, current: HealthCheck, raw: unknown): HealthCheck | undefined {
  if (raw === null) return DEFAULT_HEALTHCHECK;
  if (!isPlainObject(raw)) {
    problems.healthcheck = 'must be an object such as {"type": "http", "path": "/up"} or {"type": "tcp"}';
    return undefined;
  }
  const mentionsHttp = raw.path !== undefined || raw.expectedStatus !== undefined;
  const type = raw.type ?? (mentionsHttp ? 'http' : current.type);
  const timeoutSeconds = checkInteger(
    problems,
    'healthcheck.timeoutSeconds',
    raw.timeoutSeconds ?? current.timeoutSeconds,
    ...LIMITS.timeoutSeconds,
  );
  if (type === 'tcp') {
    checkKnownKeys(problems, 'healthcheck', raw, ['type', 'timeoutSeconds']);
    return timeoutSeconds === undefined ? undefined : { type: 'tcp', timeoutSeconds };
  }
  if (type !== 'http') {
    problems['healthcheck.type'] = 'must be "http" or "tcp"';
    return undefined;
  }
  checkKnownKeys(problems, 'healthcheck', raw, ['type', 'path', 'expectedStatus', 'timeoutSeconds']);
  const wasHttp = current.type === 'http' ? current : undefined;
  const path = raw.path ?? wasHttp?.path ?? '/';
  if (typeof path !== 'string' || !HEALTH_PATH.test(path)) {
    problems['healthcheck.path'] =
      'must start with / and use only letters, digits and - . _ ~ / % ? = & + : @ , (at most 512 characters)';
  }
  const expectedStatus = checkInteger(
    problems,
    'healthcheck.expectedStatus',
    raw.expectedStatus ?? wasHttp?.expectedStatus ?? 200,
    ...LIMITS.expectedStatus,
  );
  if (typeof path !== 'string' || expectedStatus === undefined || timeoutSeconds === undefined) return undefined;
  return { type: 'http', path, expectedStatus, timeoutSeconds };
}

function checkResources(problems: Problems, current: Resources, raw: unknown): Resources | undefined {
  if (raw === null) return {};
  if (!isPlainObject(raw)) {
    problems.resources = 'must be an object such as {"memoryMb": 512, "cpus": 0.5}';
    return undefined;
  }
  checkKnownKeys(problems, 'resources', raw, ['memoryMb', 'cpus']);
  const next: Resources = { ...current };
  if (raw.memoryMb === null) delete next.memoryMb;
  else if (raw.memoryMb !== undefined) {
    next.memoryMb = checkInteger(problems, 'resources.memoryMb', raw.memoryMb, ...LIMITS.memoryMb);
  }
  if (raw.cpus === null) delete next.cpus;
  else if (raw.cpus !== undefined) next.cpus = checkNumber(problems, 'resources.cpus', raw.cpus, ...LIMITS.cpus);
  return next;
}

function checkBuildArgs(problems: Problems, raw: unknown): Record<string, string> | undefined {
  if (!isPlainObject(raw)) {
    problems['build.buildArgs'] = 'must be an object of NAME: "value" pairs';
    return undefined;
  }
  const entries = Object.entries(raw);
  if (entries.length > LIMITS.buildArgs) problems['build.buildArgs'] = `at most ${LIMITS.buildArgs} build args`;
  for (const [key, value] of entries) {
    if (!BUILD_ARG_KEY.test(key)) {
      problems['build.buildArgs'] = `"${key.slice(0, 40)}" is not a build arg name: use letters, digits and _`;
    } else if (typeof value !== 'string' || value.length > LIMITS.buildArgValueLength || value.includes('\0')) {
      problems['build.buildArgs'] = `the value of ${key} must be text of at most ${LIMITS.buildArgValueLength} chars`;
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function checkBuild(problems: Problems, current: BuildSettings, raw: unknown): BuildSettings | undefined {
  if (raw === null) return {};
  if (!isPlainObject(raw)) {
    problems.build = 'must be an object such as {"dockerfilePath": "Dockerfile", "context": "."}';
    return undefined;
  }
  checkKnownKeys(problems, 'build', raw, ['dockerfilePath', 'context', 'buildArgs', 'buildpack']);
  const next: BuildSettings = { ...current };
  for (const field of ['dockerfilePath', 'context'] as const) {
    const value = raw[field];
    if (value === null || value === '') delete next[field];
    else if (value !== undefined) next[field] = checkRelativePath(problems, `build.${field}`, value);
  }
  if (raw.buildpack === null || raw.buildpack === '') delete next.buildpack;
  else if (raw.buildpack !== undefined) {
    if (typeof raw.buildpack === 'string' && BUILDPACK.test(raw.buildpack)) next.buildpack = raw.buildpack;
    else problems['build.buildpack'] = 'must be a buildpack name such as "node" or "static"';
  }
  if (raw.buildArgs === null) delete next.buildArgs;
  else if (raw.buildArgs !== undefined) next.buildArgs = checkBuildArgs(problems, raw.buildArgs);
  return next;
}

function checkReleaseCommand(problems: Problems, raw: unknown): string | null | undefined {
  if (raw === null) return null;
  const command = typeof raw === 'string' ? raw.trim() : undefined;
  if (command === '') return null;
  if (command !== undefined && command.length <= LIMITS.releaseCommandLength && RELEASE_COMMAND.test(command)) {
    return command;
  }
  problems.releaseCommand = `must be one line of text of at most ${LIMITS.releaseCommandLength} characters`;
  return undefined;
}

/** null or "" clears it; text must be a command Berth can run without a shell (as a Procfile `web:` line). */
function checkStartCommand(problems: Problems, raw: unknown): string | null | undefined {
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string' || raw.length > LIMITS.releaseCommandLength) {
    problems.startCommand = `must be one line of text of at most ${LIMITS.releaseCommandLength} characters`;
    return undefined;
  }
  try {
    parseStartCommand(raw, 'start');
    return raw.trim();
  } catch (error) {
    if (!isAppError(error)) throw error;
    problems.startCommand = error.message;
    return undefined;
  }
}

function describeProblems(problems: Problems): string {
  const list = Object.entries(problems).map(([field, problem]) => `${field} ${problem}`);
  return `Some settings are not valid: ${list.join('; ')}.`;
}

/** Applies a patch to the current settings, or throws VALIDATION_FAILED naming every bad field. */
export function applySettingsPatch(current: ServiceSettings, patch: SettingsPatch): ServiceSettings {
  const problems: Problems = {};
  const { port, healthcheck, build, resources, replicas, releaseCommand, startCommand } = current;
  const next: ServiceSettings = {
    port,
    healthcheck,
    build,
    resources,
    replicas,
    releaseCommand,
    startCommand: startCommand ?? null,
  };
  if (patch.port === null) next.port = null;
  else if (patch.port !== undefined) {
    next.port = checkInteger(problems, 'port', patch.port, ...LIMITS.port) ?? current.port;
  }
  if (patch.replicas !== undefined) {
    next.replicas = checkInteger(problems, 'replicas', patch.replicas, ...LIMITS.replicas) ?? current.replicas;
  }
  if (patch.healthcheck !== undefined) {
    next.healthcheck = checkHealthcheck(problems, current.healthcheck, patch.healthcheck) ?? current.healthcheck;
  }
  if (patch.resources !== undefined) {
    next.resources = checkResources(problems, current.resources, patch.resources) ?? current.resources;
  }
  if (patch.build !== undefined) next.build = checkBuild(problems, current.build, patch.build) ?? current.build;
  if (patch.releaseCommand !== undefined) {
    const command = checkReleaseCommand(problems, patch.releaseCommand);
    if (command !== undefined) next.releaseCommand = command;
  }
  if (patch.startCommand !== undefined) {
    const command = checkStartCommand(problems, patch.startCommand);
    if (command !== undefined) next.startCommand = command;
  }
  if (Object.keys(problems).length > 0) {
    throw new AppError('VALIDATION_FAILED', describeProblems(problems), { details: problems });
  }
  return next;
}
