/**
 * The one reader of repository-controlled files (manifests, Procfile, .dockerignore, ...). A repository is
 * untrusted input: a file may be a link to /dev/zero, to a host secret or to a FIFO, or be gigabytes long.
 * So the path is resolved through its links and must stay inside the checkout, the file must be a regular
 * file, and no more than the cap is ever read (checked on the open handle, not just before opening).
 */
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../errors.js';

/** The real path of `rel` under `root` (itself a real path), undefined when missing; AppError when outside. */
export async function resolveInside(root: string, rel: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(join(root, rel));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw err;
  }
  const inside = relative(root, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${rel} in the repository is a link to a place outside it; Berth does not follow it.`,
    );
  }
  return real;
}

/**
 * The text of `rel` under `root` (a real path), or undefined when it does not exist. Throws
 * VALIDATION_FAILED naming the file when it leaves the checkout, is not a regular file, or is over maxBytes.
 */
export async function readContainedFile(root: string, rel: string, maxBytes: number): Promise<string | undefined> {
  const real = await resolveInside(root, rel);
  if (real === undefined) return undefined;
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: the path was swapped for a link since.
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      if (err.code === 'ELOOP') throw notRegular(rel);
      throw err;
    },
  );
  if (handle === undefined) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(rel);
    if (info.size > maxBytes) throw tooLarge(rel, maxBytes);
    // Read at most one byte past the cap, so a file that grows while it is read is still refused.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(rel, maxBytes);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

function notRegular(rel: string): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `${rel} in the repository is not a regular file (a device, pipe or directory).`,
  );
}

function tooLarge(rel: string, maxBytes: number): AppError {
  const size = maxBytes >= 1024 * 1024 ? `${maxBytes / 1024 / 1024} MB` : `${maxBytes / 1024} KB`;
  return new AppError(
    'VALIDATION_FAILED',
    `${rel} in the repository is larger than ${size}; Berth reads at most that.`,
  );
}
