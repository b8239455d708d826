/**
 * The allow-lists of a service volume, pure: a name Docker and people can read, and a mount path that is
 * absolute, normalised (no `.`/`..` segments, no doubled or trailing slash) and not a system directory a
 * volume would hide or replace (/, /proc, /sys, /dev, /etc, /usr, /bin, /sbin, /lib*, /boot, /run, /var/run,
 * and anything under /proc, /sys or /dev). A refusal is AppError BAD_REQUEST (400) naming the field.
 */
import { AppError } from '../errors.js';
import type { VolumeInput } from './volume.types.js';

export const VOLUME_NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** Printable path characters only: letters, digits and `._-@+` between slashes. */
const PATH_CHARS = /^\/[A-Za-z0-9._@+\-/]*$/;
const MAX_PATH = 200;
/** Exact paths a volume may not be mounted at. */
const SYSTEM_PATHS = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
  '/var/run',
  '/var/lib',
]);
/** Trees a volume may not be mounted anywhere inside. */
const SYSTEM_TREES = ['/proc/', '/sys/', '/dev/', '/etc/', '/usr/', '/bin/', '/sbin/', '/lib/', '/run/', '/var/run/'];

/** The reason a name is refused, or undefined when it is fine. */
export function volumeNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'is required';
  if (!VOLUME_NAME.test(name))
    return 'must start with a lowercase letter and use only lowercase letters, digits and dashes (at most 31)';
  return undefined;
}

/** The reason a mount path is refused, or undefined when it is fine. */
export function mountPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'is required';
  if (path.length > MAX_PATH) return `must be at most ${MAX_PATH} characters`;
  if (!path.startsWith('/')) return 'must be an absolute path (starting with /)';
  if (!PATH_CHARS.test(path)) return 'may use only letters, digits, / and . _ - @ +';
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '..')) return 'must not contain ..';
  if (path !== '/' && segments.some((s) => s === '' || s === '.'))
    return 'must be normalised (no //, /./ or trailing /)';
  if (SYSTEM_PATHS.has(path) || SYSTEM_TREES.some((tree) => path.startsWith(tree)))
    return `must not be a system directory (${path} belongs to the operating system of the container)`;
  return undefined;
}

function flag(value: unknown, field: string, problems: Record<string, string>): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'on' || value === '1') return true;
  if (value === 'false' || value === 'off' || value === '0' || value === '') return false;
  problems[field] = 'must be true or false';
  return undefined;
}

function refuse(problems: Record<string, string>): never {
  const [field, problem] = Object.entries(problems)[0]!;
  throw new AppError('BAD_REQUEST', `The volume's ${fieldWords(field)} ${problem}.`, { details: problems });
}

function fieldWords(field: string): string {
  return field === 'mountPath' ? 'mount path' : field;
}

/** A new volume: name and mount path required, shared off unless said. */
export function parseVolumeInput(body: Record<string, unknown>): VolumeInput {
  const problems: Record<string, string> = {};
  const nameProblem = volumeNameProblem(body.name);
  if (nameProblem) problems.name = nameProblem;
  const pathProblem = mountPathProblem(body.mountPath);
  if (pathProblem) problems.mountPath = pathProblem;
  const shared = flag(body.shared, 'shared', problems);
  if (Object.keys(problems).length > 0) refuse(problems);
  return { name: body.name as string, mountPath: body.mountPath as string, shared: shared ?? false };
}

/** A change: the mount path and the shared flag may change; a volume's name (its Docker volume) may not. */
export function parseVolumeChange(body: Record<string, unknown>): Partial<Pick<VolumeInput, 'mountPath' | 'shared'>> {
  const problems: Record<string, string> = {};
  if (body.name !== undefined) problems.name = 'cannot change (it names the Docker volume): add a new volume instead';
  const change: Partial<Pick<VolumeInput, 'mountPath' | 'shared'>> = {};
  if (body.mountPath !== undefined) {
    const pathProblem = mountPathProblem(body.mountPath);
    if (pathProblem) problems.mountPath = pathProblem;
    else change.mountPath = body.mountPath as string;
  }
  const shared = flag(body.shared, 'shared', problems);
  if (shared !== undefined) change.shared = shared;
  if (Object.keys(problems).length > 0) refuse(problems);
  return change;
}
