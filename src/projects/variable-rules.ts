/** What a variable may be: a key Docker and shells accept, and a value that survives storage byte for byte. */
import { AppError } from '../errors.js';
import { isStorableText } from './settings-checks.js';

export const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_VARIABLES = 500;

export const KEY_RULE = 'letters, digits and _, not starting with a digit, at most 128 characters';

export function describeKeyProblem(key: string): string | undefined {
  return VARIABLE_KEY.test(key) ? undefined : `"${key.slice(0, 60)}" is not a valid variable name: use ${KEY_RULE}.`;
}

export function describeValueProblem(key: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `The value of ${key} must be text.`;
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) return `The value of ${key} is larger than 64 KB.`;
  // Docker passes variables as C strings: a NUL byte would cut the value short.
  if (!isStorableText(value)) return `The value of ${key} contains a NUL byte or invalid Unicode.`;
  return undefined;
}

/** Checks a whole set of variables; throws VALIDATION_FAILED naming the first bad one. */
export function checkVariables(entries: Array<[string, unknown]>): Array<[string, string]> {
  if (entries.length > MAX_VARIABLES) {
    throw new AppError('VALIDATION_FAILED', `A service can have at most ${MAX_VARIABLES} variables.`);
  }
  for (const [key, value] of entries) {
    const problem = describeKeyProblem(key) ?? describeValueProblem(key, value);
    if (problem) throw new AppError('VALIDATION_FAILED', problem, { details: { [key.slice(0, 128)]: problem } });
  }
  return entries as Array<[string, string]>;
}
