/**
 * The panel's service forms as flat text fields, and their translation to the same input the API takes.
 * Numbers stay text when they do not parse, so the settings checks report them in their own words.
 */
import { AppError, isAppError } from '../errors.js';
import { dotenvToObject, formatDotenv, parseDotenv } from './dotenv.js';
import type { AppService } from './service.types.js';
import type { CreateServiceInput, UpdateServiceInput } from './services.service.js';

export type FormFields = Record<string, string | undefined>;

/** What the "New service" form starts with. */
export const NEW_SERVICE_FORM: FormFields = { sourceType: 'git', branch: 'main' };

function text(fields: FormFields, name: string): string {
  return (fields[name] ?? '').trim();
}

/** '' → null (cleared), a decimal number → number, anything else → the text itself (reported as invalid). */
function numberOrNull(fields: FormFields, name: string): number | string | null {
  const raw = text(fields, name);
  if (raw === '') return null;
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
}

function emptyToNull(value: string): string | null {
  return value === '' ? null : value;
}

export function sourceFromForm(fields: FormFields): unknown {
  const type = text(fields, 'sourceType');
  if (type === 'git') return { type, url: text(fields, 'gitUrl'), branch: text(fields, 'branch') };
  if (type === 'image') return { type, image: text(fields, 'image') };
  if (type === 'push') return { type, branch: text(fields, 'branch') };
  return { type };
}

export function newServiceFromForm(fields: FormFields): CreateServiceInput {
  return { name: text(fields, 'name'), source: sourceFromForm(fields) };
}

function buildArgsFromForm(fields: FormFields): Record<string, string> | null {
  const raw = fields.buildArgs ?? '';
  if (raw.trim() === '') return null;
  try {
    return dotenvToObject(parseDotenv(raw));
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError('VALIDATION_FAILED', `Build args: ${error.message}`, {
      details: { 'build.buildArgs': error.message },
    });
  }
}

export function settingsFromForm(fields: FormFields): UpdateServiceInput {
  const isTcp = text(fields, 'healthcheckType') === 'tcp';
  return {
    source: sourceFromForm(fields),
    port: numberOrNull(fields, 'port'),
    replicas: numberOrNull(fields, 'replicas'),
    healthcheck: isTcp
      ? { type: 'tcp', timeoutSeconds: numberOrNull(fields, 'healthcheckTimeout') }
      : {
          type: 'http',
          path: text(fields, 'healthcheckPath'),
          expectedStatus: numberOrNull(fields, 'healthcheckStatus'),
          timeoutSeconds: numberOrNull(fields, 'healthcheckTimeout'),
        },
    resources: { memoryMb: numberOrNull(fields, 'memoryMb'), cpus: numberOrNull(fields, 'cpus') },
    build: {
      dockerfilePath: emptyToNull(text(fields, 'dockerfilePath')),
      context: emptyToNull(text(fields, 'buildContext')),
      buildpack: emptyToNull(text(fields, 'buildpack')),
      buildArgs: buildArgsFromForm(fields),
    },
    releaseCommand: text(fields, 'releaseCommand'),
  };
}

/** The settings form filled in with the service's current values. */
export function formFromService(service: AppService): FormFields {
  const { source, healthcheck, build, resources } = service;
  return {
    sourceType: source.type,
    gitUrl: source.type === 'git' ? source.url : '',
    branch: source.type === 'image' ? 'main' : source.branch,
    image: source.type === 'image' ? source.image : '',
    port: service.port === null ? '' : String(service.port),
    replicas: String(service.replicas),
    healthcheckType: healthcheck.type,
    healthcheckPath: healthcheck.type === 'http' ? healthcheck.path : '/',
    healthcheckStatus: healthcheck.type === 'http' ? String(healthcheck.expectedStatus) : '200',
    healthcheckTimeout: String(healthcheck.timeoutSeconds),
    memoryMb: resources.memoryMb === undefined ? '' : String(resources.memoryMb),
    cpus: resources.cpus === undefined ? '' : String(resources.cpus),
    dockerfilePath: build.dockerfilePath ?? '',
    buildContext: build.context ?? '',
    buildpack: build.buildpack ?? '',
    buildArgs: build.buildArgs ? formatDotenv(build.buildArgs) : '',
    releaseCommand: service.releaseCommand ?? '',
  };
}

/** Browsers send textarea line breaks as CRLF; the panel stores what people typed: LF. */
export function textareaValue(raw: string | undefined): string {
  return (raw ?? '').replace(/\r\n/g, '\n');
}
