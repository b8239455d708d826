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

/** Extracts a tar file; tar-fs refuses entries that would land outside `dir` (`..`, absolute links). */
export async function extractFile(file: string, dir: string): Promise<void> {
  await pipeline(createReadStream(file), tarFs.extract(dir, { readable: false, writable: false }));
}
