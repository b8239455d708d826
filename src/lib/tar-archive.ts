/** tar for panel backups (tar-fs): a directory to a .tar stream and back. Entries stay inside the target dir. */
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import tarFs from 'tar-fs';

export function packDirectory(dir: string): Readable {
  return tarFs.pack(dir) as unknown as Readable;
}

export async function packDirectoryToFile(dir: string, file: string): Promise<void> {
  await pipeline(packDirectory(dir), createWriteStream(file, { mode: 0o600 }));
}

/** Extracts a tar file; tar-fs refuses entries that would land outside `dir` (`..`, absolute links). */
export async function extractFile(file: string, dir: string): Promise<void> {
  await pipeline(createReadStream(file), tarFs.extract(dir, { readable: false, writable: false }));
}
