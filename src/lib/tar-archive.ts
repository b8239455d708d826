/**
 * The only importer of tar-fs: a directory (or a chosen list of its entries) to a tar stream, and a tar
 * file back to a directory. Used for Docker build contexts and panel backups.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tarFs from 'tar-fs';

export interface PackOptions {
  /** Exactly these entries (relative paths), nothing else; default: the whole tree. */
  entries?: readonly string[];
  /** Record every entry as owned by root, whatever uid wrote the files. */
  ownedByRoot?: boolean;
}

export function packDirectory(dir: string, options: PackOptions = {}): Readable {
  return tarFs.pack(dir, {
    // tar-fs consumes the array it is given; keep the caller's intact.
    ...(options.entries ? { entries: [...options.entries], ignore: () => true } : {}),
    ...(options.ownedByRoot ? { map: (header) => ({ ...header, uid: 0, gid: 0, uname: 'root', gname: 'root' }) } : {}),
  }) as unknown as Readable;
}

/** One directory's part of a tar stream made of several: these entries (walked recursively), minus `skip`. */
export interface PackPart {
  dir: string;
  entries: readonly string[];
  /** Leaves out a path found while walking a directory entry (absolute path). */
  skip?: (absolutePath: string) => boolean;
}

/**
 * One tar stream from several directories, read straight from where the files are: nothing is copied
 * to a staging place first (a backup of a large data dir needs no room for a second copy of it).
 */
export function packDirectories(parts: readonly PackPart[]): Readable {
  const [first, ...rest] = parts;
  if (!first) throw new Error('nothing to pack');
  const packPart = (part: PackPart, pack: unknown, isLast: boolean): Readable =>
    tarFs.pack(part.dir, {
      entries: [...part.entries],
      ignore: part.skip ?? (() => false),
      ...(pack ? { pack: pack as never } : {}),
      finalize: isLast,
      finish: (next: unknown) => {
        const following = rest.shift();
        if (following) packPart(following, next, rest.length === 0);
      },
    } as tarFs.PackOptions) as unknown as Readable;
  return packPart(first, undefined, rest.length === 0);
}

/** Extracts a tar file; tar-fs refuses entries that would land outside `dir` (`..`, absolute links). */
export async function extractFile(file: string, dir: string): Promise<void> {
  await pipeline(createReadStream(file), tarFs.extract(dir, { readable: false, writable: false }));
}
