/**
 * Read-only, escape-proof access to a checked-out source tree. Every path is relative, checked against
 * an allow-list, and resolved through symlinks; anything that lands outside the tree counts as absent,
 * so a repository cannot make Berth read (or log) a host file through a link such as
 * `package.json -> /etc/shadow`.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../errors.js';
import { readContainedFile } from '../lib/contained-file.js';

/** Relative paths we accept from settings and files: plain names, no leading dash, no `..`, no `//`. */
const RELATIVE_PATH = /^(?!-)[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+-]+)*\/?$/;
/** Manifests are small; a 5 MB package.json is an attack or a mistake. */
const MAX_READ_BYTES = 5 * 1024 * 1024;

/** Normalises a relative path from a setting ("./app/", "app") or throws VALIDATION_FAILED naming it. */
export function checkRelativePath(raw: string, what: string): string {
  const trimmed = raw
    .trim()
    .replace(/^\.\/+/, '')
    .replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') return '.';
  if (
    isAbsolute(trimmed) ||
    !RELATIVE_PATH.test(trimmed) ||
    trimmed.split('/').some((part) => part === '..' || part === '.')
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The ${what} "${raw}" must be a path inside the repository such as "apps/web" (letters, digits, . _ - @ +; no "..")`,
    );
  }
  return trimmed;
}

export class SourceTree {
  private constructor(readonly root: string) {}

  static async open(dir: string): Promise<SourceTree> {
    return new SourceTree(await realpath(dir));
  }

  /** A subtree (a monorepo's build context); undefined when it is missing, not a directory, or outside. */
  async subtree(rel: string): Promise<SourceTree | undefined> {
    const abs = await this.resolve(rel);
    if (abs === undefined || !(await stat(abs)).isDirectory()) return undefined;
    return new SourceTree(abs);
  }

  /** Absolute real path of `rel` when it exists inside the tree. */
  async resolve(rel: string): Promise<string | undefined> {
    if (rel !== '.' && (!RELATIVE_PATH.test(rel) || rel.split('/').includes('..'))) return undefined;
    let real: string;
    try {
      real = await realpath(join(this.root, rel));
    } catch {
      return undefined;
    }
    const inside = relative(this.root, real);
    if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return undefined;
    return real;
  }

  /** Whether `rel` is a regular file inside the tree (a link out of it, or a device, is not). */
  async isFile(rel: string): Promise<boolean> {
    const abs = await this.resolve(rel);
    return abs !== undefined && (await stat(abs)).isFile();
  }

  /**
   * The text of a file, undefined when it does not exist; VALIDATION_FAILED naming it when it is a link
   * out of the tree, not a regular file (a device, a FIFO) or over 5 MB (see lib/contained-file.ts).
   */
  async readText(rel: string): Promise<string | undefined> {
    if (!RELATIVE_PATH.test(rel) || rel.split('/').includes('..')) return undefined;
    return readContainedFile(this.root, rel, MAX_READ_BYTES);
  }

  /** Parsed JSON, or a VALIDATION_FAILED naming the file when it does not parse. */
  async readJson(rel: string): Promise<unknown> {
    const text = await this.readText(rel);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new AppError('VALIDATION_FAILED', `${rel} is not valid JSON: ${(err as Error).message}`);
    }
  }

  /** Entry names of a directory inside the tree, sorted; empty when it is missing. */
  async list(rel: string): Promise<string[]> {
    const abs = await this.resolve(rel);
    if (abs === undefined) return [];
    try {
      return (await readdir(abs)).sort();
    } catch {
      return [];
    }
  }
}
