/**
 * Allow-list for the names people give projects, services and environments. A name ends up in hostnames
 * (`<service>-<project>.<apps domain>`), Docker network aliases and labels, so it must be a DNS label:
 * lowercase letters, digits and single dashes, starting with a letter, not ending with a dash.
 * Double dashes are refused too: they make `<service>-<project>` ambiguous to read and look like
 * punycode (`xn--`).
 */
import { AppError } from '../errors.js';

export type NameKind = 'project' | 'service' | 'environment';

export const NAME_MAX_LENGTH = 63;
const NAME_SHAPE = /^[a-z][a-z0-9-]{0,62}$/;

export const NAME_RULE =
  'Use 1 to 63 lowercase letters (a-z), digits and single dashes, starting with a letter and not ending with a dash.';

/**
 * Names that would be confused with Berth itself, with well-known hostnames, or with addresses on the
 * project network. Environments may use any of these except the ones that name Berth's own parts.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'api',
  'assets',
  'berth',
  'dashboard',
  'default',
  'docker',
  'gateway',
  'git',
  'host',
  'internal',
  'localhost',
  'mail',
  'new',
  'null',
  'panel',
  'proxy',
  'public',
  'root',
  // `${{shared.KEY}}` names a shared project variable (variable-references.ts).
  'shared',
  'smtp',
  'ssh',
  'static',
  'status',
  'system',
  'undefined',
  'www',
]);

/** Why a name does not fit the shape, in words; undefined when it fits. */
export function describeNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'The name is empty.';
  if (name.length > NAME_MAX_LENGTH) return `The name is ${name.length} characters long; the limit is 63.`;
  if (!NAME_SHAPE.test(name)) {
    if (/[A-Z]/.test(name)) return 'The name has uppercase letters; only lowercase letters are allowed.';
    if (!/^[a-z]/.test(name)) return 'The name must start with a lowercase letter.';
    return 'The name has characters other than lowercase letters, digits and dashes.';
  }
  if (name.endsWith('-')) return 'The name must not end with a dash.';
  if (name.includes('--')) return 'The name must not contain two dashes in a row.';
  return undefined;
}

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/** Returns the (trimmed) name, or throws VALIDATION_FAILED (bad shape) or NAME_RESERVED. */
export function checkName(raw: unknown, kind: NameKind): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  const problem = describeNameProblem(name);
  if (problem) {
    throw new AppError('VALIDATION_FAILED', `That ${kind} name is not allowed. ${problem} ${NAME_RULE}`, {
      details: { name: problem },
    });
  }
  if (isReservedName(name)) {
    throw new AppError('NAME_RESERVED', `"${name}" is reserved by Berth. Choose another ${kind} name.`, {
      details: { name: 'reserved' },
    });
  }
  return name;
}
