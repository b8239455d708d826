/**
 * Allow-list validation of what a person sends to create or change a stack: its name, its source (pasted
 * compose text, or a git repository, branch and a relative path to the file), the routed service and port,
 * and its variables (`{"KEY": "value"}` or `{"KEY": {"value": "…", "secret": true}}`). Compose problems
 * become one VALIDATION_FAILED whose message and details name each line.
 */
import { posix } from 'node:path';
import { AppError } from '../errors.js';
import { checkName } from '../projects/names.js';
import { MAX_VALUE_BYTES, MAX_VARIABLES, VARIABLE_KEY } from '../projects/variable-rules.js';
import { validateBranch } from '../source/source-validation.js';
import { MAX_COMPOSE_BYTES } from './compose-check.js';
import type { ComposeProblem } from './compose.types.js';
import type { StackSource, StackVariable } from './stack.types.js';

const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const COMPOSE_PATH = /^[A-Za-z0-9._/-]{1,300}$/;

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: { [field]: message } });
}

export function checkStackName(raw: unknown): string {
  return checkName(raw, 'service');
}

/** The source without the repository's address checks (the service runs those: they resolve DNS). */
export function checkSourceShape(raw: unknown): StackSource {
  if (typeof raw !== 'object' || raw === null)
    throw invalid('source', 'source is {type: "paste", compose} or {type: "repo", url, branch, path}');
  const source = raw as Record<string, unknown>;
  if (source.type === 'paste') {
    if (typeof source.compose !== 'string' || source.compose.trim() === '')
      throw invalid('compose', 'Paste the contents of a docker-compose file.');
    if (Buffer.byteLength(source.compose) > MAX_COMPOSE_BYTES)
      throw invalid('compose', 'The compose file is over 256 KiB.');
    return { type: 'paste', compose: source.compose };
  }
  if (source.type === 'repo') {
    const path =
      typeof source.path === 'string' && source.path.trim() !== '' ? source.path.trim() : 'docker-compose.yml';
    const normal = posix.normalize(path);
    if (!COMPOSE_PATH.test(path) || normal.startsWith('../') || normal === '..' || path.startsWith('/'))
      throw invalid('path', 'The compose file path must be a relative path inside the repository.');
    if (typeof source.url !== 'string') throw invalid('url', 'A repository URL is required.');
    return { type: 'repo', url: source.url, branch: validateBranch(source.branch), path: normal };
  }
  throw invalid('source', 'source.type is "paste" or "repo"');
}

export function checkRouted(service: unknown, port: unknown): { service: string; port: number } {
  if (typeof service !== 'string' || !SERVICE_NAME.test(service))
    throw invalid('routedService', 'Choose the compose service that gets the stack’s address.');
  const number = typeof port === 'string' ? Number(port) : port;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535)
    throw invalid('routedPort', 'The routed port is a number from 1 to 65535 (the port the service listens on).');
  return { service, port: number };
}

export function checkVariables(raw: unknown): Record<string, StackVariable> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('variables', 'variables is a map of KEY to value');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES) throw invalid('variables', `At most ${MAX_VARIABLES} variables.`);
  const out: Record<string, StackVariable> = {};
  for (const [key, value] of entries) {
    if (!VARIABLE_KEY.test(key)) throw invalid(key, `${key} is not a valid variable name.`);
    const item =
      typeof value === 'string'
        ? { value, secret: false }
        : typeof value === 'object' && value !== null && typeof (value as StackVariable).value === 'string'
          ? { value: (value as StackVariable).value, secret: (value as StackVariable).secret === true }
          : undefined;
    if (!item) throw invalid(key, `${key} must be a string or {"value": "…", "secret": true}.`);
    if (Buffer.byteLength(item.value) > MAX_VALUE_BYTES) throw invalid(key, `${key} is over 64 KiB.`);
    out[key] = item;
  }
  return out;
}

/** One error for every problem of a compose file, each as `line N: field: message`. */
export function composeRefused(problems: readonly ComposeProblem[]): AppError {
  const lines = problems.map(describeProblem);
  const details = Object.fromEntries(
    problems.map((p, i) => [p.field === '(root)' ? `compose.${i}` : p.field, lines[i]!]),
  );
  return new AppError('VALIDATION_FAILED', `The compose file cannot be deployed:\n${lines.join('\n')}`, { details });
}

export function describeProblem(problem: ComposeProblem): string {
  const where = problem.line === undefined ? '' : `line ${problem.line}: `;
  return `${where}${problem.field === '(root)' ? '' : `${problem.field}: `}${problem.message}`;
}
