/**
 * Checks a berth.project.json before anything is planned: its shape against the published schema (unknown
 * keys are refused with their path), then each value by the rules the create and update routes use
 * (service names, sources, settings, variables, database engines and versions, domain names). A literal
 * value for a secret variable is refused: secrets stay on the server, written as `{"secret": true}`.
 * Every problem names its path ("services.web.replicas"); the error's details map path → problem.
 */
import { isValidCronExpression } from '../jobs/scheduler.js';
import { checkEngine, checkVersion } from '../databases/database-input.js';
import { normalizeDomain } from '../domains/domain-name.js';
import { AppError, isAppError } from '../errors.js';
import { compileSchema } from '../lib/json-schema.js';
import { checkName } from '../projects/names.js';
import { applySettingsPatch, DEFAULT_SETTINGS } from '../projects/service-settings.js';
import { findReferences } from '../projects/variable-references.js';
import { checkVariables } from '../projects/variable-rules.js';
import { isSecretName } from '../projects/variables.secrets.js';
import { PROJECT_SCHEMA, type FileScope, type FileService, type ProjectFile } from './project-file.js';

const check = compileSchema(PROJECT_SCHEMA);

type Problems = Record<string, string>;

/**
 * The file, typed, or VALIDATION_FAILED naming every problem. `secretKeys`: service → its secret keys, by
 * "web" (production) or "environments.staging.web".
 */
export async function checkProjectFile(
  raw: unknown,
  checkSource: (raw: unknown) => Promise<unknown>,
  secretKeys: Map<string, Set<string>>,
): Promise<ProjectFile> {
  const problems: Problems = {};
  for (const problem of check(raw)) {
    // A oneOf failure repeats itself for each branch: keep the first words for each path.
    problems[problem.field] ??= problem.message;
  }
  if (Object.keys(problems).length > 0) throw failure(problems);
  const file = raw as ProjectFile;
  await checkScope(problems, '', file, checkSource, secretKeys);
  for (const [name, scope] of Object.entries(file.environments ?? {})) {
    const at = `environments.${name}`;
    note(problems, at, () => checkName(name, 'environment'));
    if (name === 'production') problems[at] = 'production is the top level of the file (its services and databases)';
    await checkScope(problems, `${at}.`, scope, checkSource, secretKeys);
  }
  if (Object.keys(problems).length > 0) throw failure(problems);
  return file;
}

/** One environment's services and databases; `prefix` is "" (production) or "environments.staging.". */
async function checkScope(
  problems: Problems,
  prefix: string,
  scope: FileScope,
  checkSource: (raw: unknown) => Promise<unknown>,
  secretKeys: Map<string, Set<string>>,
): Promise<void> {
  for (const [name, service] of Object.entries(scope.services)) {
    const at = `${prefix}services.${name}`;
    note(problems, at, () => checkName(name, 'service'));
    if (name in scope.databases) problems[at] = `"${name}" is also a database: a service name is used once`;
    await noteAsync(problems, `${at}.source`, () => checkSource(service.source));
    note(problems, at, () => applySettingsPatch(DEFAULT_SETTINGS, settingsPatchOf(service)));
    checkServiceVariables(problems, at, service, secretKeys.get(`${prefix}${name}`) ?? new Set());
    checkBuildArgs(problems, at, service);
    // Domains are compared in their canonical form (lowercase ASCII, no trailing dot), as the server keeps them.
    service.domains = service.domains?.map((hostname, index) => {
      let canonical = hostname;
      note(problems, `${at}.domains.${index}`, () => (canonical = normalizeDomain(hostname)));
      return canonical;
    });
  }
  for (const [name, database] of Object.entries(scope.databases)) {
    const at = `${prefix}databases.${name}`;
    note(problems, at, () => checkName(name, 'service'));
    note(problems, `${at}.engine`, () => checkEngine(database.engine));
    note(problems, `${at}.version`, () => checkVersion(database.version));
    const schedule = database.backup?.schedule;
    if (typeof schedule === 'string' && schedule !== '' && !isValidCronExpression(schedule.trim())) {
      problems[`${at}.backup.schedule`] = 'must be a cron expression such as "0 3 * * *"';
    }
  }
}

/** The service's settings in the shape the update route takes (the same validator runs on both). */
export function settingsPatchOf(service: FileService): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (service.build !== undefined) {
    // Build args are planned and applied on their own (secret ones keep the server's value).
    const { buildArgs: _own, ...build } = service.build;
    patch.build = build;
  }
  if (service.port !== undefined) patch.port = service.port;
  if (service.healthcheck !== undefined) patch.healthcheck = service.healthcheck;
  if (service.replicas !== undefined) patch.replicas = service.replicas;
  if (service.resources !== undefined) patch.resources = service.resources;
  if (service.releaseCommand !== undefined) patch.releaseCommand = service.releaseCommand;
  if (service.startCommand !== undefined) patch.startCommand = service.startCommand;
  return patch;
}

function checkServiceVariables(problems: Problems, at: string, service: FileService, secret: Set<string>): void {
  const literal = Object.entries(service.variables ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  note(problems, `${at}.variables`, () => checkVariables(literal));
  for (const [key, value] of literal) {
    const isReference = findReferences(value).length > 0;
    if ((secret.has(key) || isSecretName(key)) && !isReference) {
      problems[`${at}.variables.${key}`] =
        'is a secret: a project file may not hold its value. Write {"secret": true} (the server keeps its value), set it in the panel or API, or reference another service with ${{service.VAR}}';
    }
  }
}

/** Literal build args by the update route's rules; one named like a secret may not have its value here. */
function checkBuildArgs(problems: Problems, at: string, service: FileService): void {
  const args = Object.entries(service.build?.buildArgs ?? {});
  const literal = Object.fromEntries(args.filter((entry) => typeof entry[1] === 'string'));
  note(problems, at, () => applySettingsPatch(DEFAULT_SETTINGS, { build: { buildArgs: literal } }));
  for (const key of Object.keys(literal).filter(isSecretName)) {
    problems[`${at}.build.buildArgs.${key}`] =
      'is a secret: a project file may not hold its value. Write {"secret": true} (the server keeps its value) or set it in the panel or API';
  }
}

function note(problems: Problems, at: string, work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!isAppError(error)) throw error;
    record(problems, at, error);
  }
}

async function noteAsync(problems: Problems, at: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!isAppError(error)) throw error;
    record(problems, at, error);
  }
}

/** The error's own field details under `at` ("replicas" → "services.web.replicas"), else its message. */
function record(problems: Problems, at: string, error: AppError): void {
  const details = error.details as Record<string, unknown> | undefined;
  const fields = details && typeof details === 'object' ? Object.entries(details) : [];
  if (fields.length === 0 || error.code !== 'VALIDATION_FAILED') {
    problems[at] = error.message;
    return;
  }
  for (const [field, problem] of fields) {
    // A field the path already names (a name, an engine, a version, a hostname) is not repeated.
    const path = ['name', 'engine', 'version', 'hostname'].includes(field) ? at : `${at}.${field}`;
    problems[path] = typeof problem === 'string' && problem.length > 20 ? problem : error.message;
  }
}

function failure(problems: Problems): AppError {
  const list = Object.entries(problems).map(([path, problem]) => `${path}: ${problem}`);
  return new AppError('VALIDATION_FAILED', `The project file is not valid: ${list.slice(0, 10).join('; ')}`, {
    details: problems,
  });
}
