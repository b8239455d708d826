/**
 * Small allow-list checks shared by the service settings: each returns the clean value or records a
 * problem under the field's path, so one request can report every bad field at once.
 */

/** Field path (e.g. "healthcheck.path") → what is wrong, in words. */
export type Problems = Record<string, string>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkInteger(
  problems: Problems,
  field: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  problems[field] = `must be a whole number from ${min} to ${max}`;
  return undefined;
}

export function checkNumber(
  problems: Problems,
  field: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
  problems[field] = `must be a number from ${min} to ${max}`;
  return undefined;
}

/** Records every key of `value` that is not in `allowed`. */
export function checkKnownKeys(problems: Problems, field: string, value: Record<string, unknown>, allowed: string[]) {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) problems[`${field}.${key}`] = `is not a setting; use ${allowed.join(', ')}`;
  }
}

const PATH_SEGMENT = /^[A-Za-z0-9_.@+-]{1,100}$/;

/**
 * A path inside the repository: relative, `/`-separated segments of letters, digits and `_ . @ + -`,
 * no `..`, not starting with `-` (never mistaken for an option). "." means the repository root.
 */
export function checkRelativePath(problems: Problems, field: string, value: unknown): string | undefined {
  const path = typeof value === 'string' ? value.trim().replace(/\/+$/, '') : undefined;
  if (path === '.') return path;
  const segments = path?.split('/') ?? [];
  const isClean =
    path !== undefined &&
    path.length > 0 &&
    path.length <= 255 &&
    !path.startsWith('-') &&
    segments.every((s) => PATH_SEGMENT.test(s) && s !== '..');
  if (isClean) return path;
  problems[field] =
    'must be a relative path inside the repository (letters, digits, _ . @ + - and /; no "..", not starting with / or -)';
  return undefined;
}

/** Lone UTF-16 surrogates cannot be stored as UTF-8 and would come back changed. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(value: string): boolean {
  return !value.includes('\0') && !LONE_SURROGATE.test(value);
}
