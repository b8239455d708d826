/**
 * The only importer of tar-fs: a directory (or a chosen list of its entries) to a tar stream, and a tar
 * file back to a directory. Used for Docker build contexts and panel backups.
 */
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import tarFs from 'tar-fs';

export interface PackOptions {
  /** Exactly these entries (relative paths), nothing else; default: the whole tree. */
  entries?: readonly string[];
  /** Record every entry as owned by root, whatever uid wrote the files. */
  ownedByRoot?: boolean;
}

/** What a tar entry claims to be, before it is written: its path in the archive and its type. */
export interface TarEntry {
  name: string;
  /** tar-stream's types: 'file', 'directory', 'symlink', 'link' (hard link), 'character-device', 'fifo', ... */
  type: string;
  /** The target of a symlink or hard link, as written in the archive. */
  linkname?: string;
}

/**
 * Extracts a tar file, asking `accept` about each entry first; a refused entry is not written. The
 * caller decides what a refusal means (panel restore refuses the whole archive).
 */
export async function extractFileChecked(
  file: string,
  dir: string,
  accept: (entry: TarEntry) => boolean,
): Promise<void> {
  await pipeline(
    createReadStream(file),
    tarFs.extract(dir, {
      readable: false,
      writable: false,
      ignore: (_path: string, header?: TarHeader) => !accept(entryOf(header)),
    }),
  );
}

type TarHeader = { name: string; type?: string | null; linkname?: string | null };

function entryOf(header: TarHeader | undefined): TarEntry {
  return {
    name: header?.name ?? '',
    type: header?.type ?? 'file',
    ...(header?.linkname ? { linkname: header.linkname } : {}),
  };
}

/**
 * A writable that extracts the tar stream written to it into `dir`, asking `accept` about each entry
 * before it is written; a refused entry is skipped (the caller decides what a refusal means: an upload
 * removes the whole directory). Use it as the last stage of a stream pipeline.
 */
export function checkedExtractor(dir: string, accept: (entry: TarEntry) => boolean): Writable {
  return tarFs.extract(dir, {
    // The builder must read every file, whatever mode the archive gave it.
    readable: true,
    writable: false,
    ignore: (_path: string, header?: TarHeader) => !accept(entryOf(header)),
  }) as unknown as Writable;
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

/**
 * A tar stream of one file with the given content and mode, owned by root (for the engine's
 * put-archive call). The file is staged in a private temporary directory removed once packed.
 */
export async function packSingleFile(name: string, content: string, mode: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-file-'));
  try {
    await writeFile(join(dir, name), content, { mode: 0o600 });
    await chmod(join(dir, name), mode);
    const chunks: Buffer[] = [];
    for await (const chunk of packDirectory(dir, { entries: [name], ownedByRoot: true })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
