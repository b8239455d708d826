/**
 * Free space on the data dir's disk, and telling a full disk apart from other failures. A full disk
 * surfaces as ENOSPC from the file system, SQLITE_FULL from SQLite, or only as "No space left on device"
 * inside a tool's output (git, tar): each is reported as AppError DISK_FULL (507) in words.
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { diskFullError } from '../db/busy-retry.js';
import { AppError } from '../errors.js';

export { diskFullError };

/** What a deploy needs free in the data dir before it starts (working copy, logs, database rows). */
export const MIN_FREE_BYTES_FOR_DEPLOY = 256 * 1024 * 1024;

/** Free bytes for unprivileged writers on the disk of `path` (or of its nearest existing parent). */
export async function freeBytes(path: string): Promise<number> {
  try {
    const stats = await statfs(path);
    return stats.bavail * stats.bsize;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) throw error;
    return freeBytes(dirname(path));
  }
}

export function isDiskFullError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') return true;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return /No space left on device|ENOSPC|database or disk is full/i.test(message);
}

/** Throws DISK_FULL, naming what is free and what is needed, when the path's disk has less than `needed`. */
export async function requireFreeSpace(path: string, needed: number, forWhat: string): Promise<void> {
  const free = await freeBytes(path);
  if (free >= needed) return;
  const mb = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MB`;
  throw new AppError(
    'DISK_FULL',
    `Not enough free disk space for ${forWhat} (ENOSPC): ${mb(free)} free in ${path}, at least ${mb(needed)} needed.`,
  );
}
