/**
 * `.berth/link.json`: which service of which server a directory deploys to. Looked up from the working
 * directory upwards (like git), so `berth up` works from a subdirectory of the linked one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';

export interface Link {
  server: string;
  projectId: string;
  project: string;
  serviceId: string;
  service: string;
}

export const LINK_DIR = '.berth';

export interface FoundLink {
  link: Link;
  /** The directory holding .berth/: the root of what `berth up` uploads. */
  root: string;
}

export async function findLink(cwd: string): Promise<FoundLink | undefined> {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const file = join(dir, LINK_DIR, 'link.json');
    if (existsSync(file)) {
      try {
        const link = JSON.parse(await readFile(file, 'utf8')) as Link;
        if (typeof link.serviceId === 'string' && typeof link.server === 'string') return { link, root: dir };
      } catch {
        // Reported below.
      }
      throw new AppError('BAD_REQUEST', `${file} is damaged: run \`berth link <project>/<service>\` again.`);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export async function requireLink(cwd: string): Promise<FoundLink> {
  const found = await findLink(cwd);
  if (!found)
    throw new AppError(
      'BAD_REQUEST',
      'This directory is not linked to a service: run `berth link <project>/<service>`.',
    );
  return found;
}

export async function writeLink(dir: string, link: Link): Promise<string> {
  await mkdir(join(dir, LINK_DIR), { recursive: true });
  const file = join(dir, LINK_DIR, 'link.json');
  await writeFile(file, `${JSON.stringify(link, null, 2)}\n`);
  return file;
}

/** Removes the link of `dir` (`berth unlink`); returns the file removed, or undefined when there was none. */
export async function removeLink(dir: string): Promise<string | undefined> {
  const file = join(dir, LINK_DIR, 'link.json');
  if (!existsSync(file)) return undefined;
  await rm(file);
  // The .berth directory goes too when the link was all it held.
  await rmdir(join(dir, LINK_DIR)).catch(() => undefined);
  return file;
}
