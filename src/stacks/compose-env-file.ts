/**
 * `env_file:` of a compose service in a repository stack. The checker (pure) reads the entries — a string,
 * a list of strings, or the long form `{path, required}` — and refuses a path that is absolute or climbs
 * out of the repository with `..` (from the compose file's folder). At deploy each file is resolved through its
 * links and must stay inside the checkout (a symlink to /etc/passwd is refused), is read as a .env file,
 * and merged under the service's `environment:` (which wins), later files over earlier ones as in compose.
 */
import { posix } from 'node:path';
import { AppError } from '../errors.js';
import { readContainedFile } from '../lib/contained-file.js';
import type { YamlPath } from '../lib/yaml-document.js';
import { dotenvToObject, parseDotenv } from '../projects/dotenv.js';
import { isMap, type ComposeReport } from './compose-report.js';
import type { StackDefinition, StackEnvFile } from './compose.types.js';

/** An env file larger than this is refused at deploy. */
export const MAX_ENV_FILE_BYTES = 256 * 1024;

export const PASTED_ENV_FILE =
  'env_file: a pasted stack has no files; put the variables under environment: or the stack’s variables';

/**
 * The repository path of `path` written in a compose file at `composeDir` (both relative to the checkout),
 * normalised; undefined when it is absolute, empty, a URL or leaves the checkout.
 */
export function envFilePath(composeDir: string, path: string): string | undefined {
  if (path.trim() === '' || path.startsWith('/') || path.startsWith('~') || path.includes('\\') || path.includes(':'))
    return undefined;
  if (path.split('/').some((part) => part.includes('\0'))) return undefined;
  const joined = posix.normalize(posix.join(composeDir === '' ? '.' : composeDir, path));
  if (joined === '..' || joined.startsWith('../') || joined.startsWith('/') || joined === '.') return undefined;
  return joined;
}

/** The entries of `env_file:` as written (paths still relative to the compose file); problems reported. */
export function readEnvFileEntries(
  value: unknown,
  path: YamlPath,
  composeDir: string,
  report: ComposeReport,
): StackEnvFile[] {
  const list = Array.isArray(value) ? value : [value];
  const files: StackEnvFile[] = [];
  list.forEach((entry, index) => {
    const at = Array.isArray(value) ? [...path, index] : path;
    const spec = typeof entry === 'string' ? { path: entry } : entry;
    if (!isMap(spec) || typeof spec.path !== 'string') {
      report.problem(at, 'env_file is a path, a list of paths, or a list of {path, required}');
      return;
    }
    for (const key of Object.keys(spec))
      if (key !== 'path' && key !== 'required' && key !== 'format')
        report.problem([...at, key], `env_file.${key} is not an option Berth reads`);
    if (spec.format !== undefined && spec.format !== 'raw')
      report.problem([...at, 'format'], 'env_file format must be raw when given');
    if (spec.required !== undefined && typeof spec.required !== 'boolean')
      report.problem([...at, 'required'], 'required must be true or false');
    if (envFilePath(composeDir, spec.path) === undefined)
      report.problem(at, `env_file ${spec.path} must be a relative path inside the repository (no .., not absolute)`);
    else files.push({ path: spec.path, required: spec.required !== false });
  });
  return files;
}

/**
 * The variables of the env files, in order (a later file wins), read from `checkoutDir` (a real path);
 * `composeDir` is the compose file's folder relative to it. Throws VALIDATION_FAILED naming the file when
 * it leaves the checkout (also through a link), is missing and required, or is not a valid .env file.
 */
export async function loadEnvFiles(
  checkoutDir: string,
  composeDir: string,
  files: readonly StackEnvFile[],
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const file of files) {
    const rel = envFilePath(composeDir, file.path);
    if (rel === undefined)
      throw new AppError('VALIDATION_FAILED', `env_file ${file.path} leaves the repository; Berth does not read it.`);
    const text = await readContainedFile(checkoutDir, rel, MAX_ENV_FILE_BYTES);
    if (text === undefined) {
      if (file.required) throw new AppError('VALIDATION_FAILED', `env_file ${file.path} is not in the repository.`);
      continue;
    }
    try {
      Object.assign(values, dotenvToObject(parseDotenv(text)));
    } catch (error) {
      throw new AppError('VALIDATION_FAILED', `env_file ${file.path}: ${(error as Error).message}`);
    }
  }
  return values;
}

/** Fills each service's environment with its env_file values, under its own `environment:` (which wins). */
export async function withEnvFiles(
  definition: StackDefinition,
  checkoutDir: string,
  composeDir: string,
): Promise<void> {
  for (const service of definition.services)
    if (service.envFiles && service.envFiles.length > 0)
      service.environment = {
        ...(await loadEnvFiles(checkoutDir, composeDir, service.envFiles)),
        ...service.environment,
      };
}
