/**
 * `berth up`: a gzipped tar of a developer's directory becomes the source of one deployment. The archive
 * is unpacked as it arrives into the deployment's working copy (builds/<deployment id>), the same place a
 * git fetch writes to, and the deploy builds it like any checkout. Every entry is checked before it is
 * written (plain files, directories and symlinks that stay inside only: no absolute paths, no `..`, no
 * hard links, no devices); one bad entry, a broken stream or a size over the cap removes the whole
 * directory, so nothing of a refused upload stays on the server.
 */
import { posix } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AppError } from '../errors.js';
import { checkedExtractor, type TarEntry } from '../lib/tar-archive.js';

/** An archive may unpack to at most this many times its compressed cap (a gzip bomb stops there). */
export const UNPACKED_FACTOR = 4;
const ALLOWED_TYPES = new Set(['file', 'directory', 'symlink']);

/** The problem with one entry of an uploaded archive, or undefined when it may be written. */
export function entryProblem(entry: TarEntry): string | undefined {
  const raw = entry.name;
  if (raw.includes('\0')) return 'a name with a NUL byte';
  if (raw.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(raw)) return `${raw} is an absolute path`;
  const segments = raw.split(/[\\/]/);
  if (segments.includes('..')) return `${raw} leaves the directory (..)`;
  if (!ALLOWED_TYPES.has(entry.type)) return `${raw} is a ${entry.type === 'link' ? 'hard link' : entry.type}`;
  if (entry.type === 'symlink') {
    const target = entry.linkname ?? '';
    if (target === '' || posix.isAbsolute(target)) return `${raw} links to an absolute path`;
    const resolved = posix.normalize(posix.join(posix.dirname(posix.normalize(raw)), target));
    if (resolved === '..' || resolved.startsWith('../')) return `${raw} links outside the directory`;
  }
  return undefined;
}

/** Counts the bytes passing through and fails the stream once they exceed `max`. */
function byteCap(max: number, message: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new AppError('PAYLOAD_TOO_LARGE', message));
      else done(null, chunk);
    },
  });
}

export interface UploadResult {
  /** Entries written (files, directories, symlinks). */
  entries: number;
}

/**
 * Unpacks the gzipped tar `body` into `dir` (which must not exist yet). Throws BAD_REQUEST (a bad
 * archive) or PAYLOAD_TOO_LARGE, and then `dir` is gone.
 */
export async function receiveUpload(body: Readable, dir: string, maxBytes: number): Promise<UploadResult> {
  const problems: string[] = [];
  let entries = 0;
  const accept = (entry: TarEntry): boolean => {
    const problem = entryProblem(entry);
    if (problem) problems.push(problem);
    else entries += 1;
    return problem === undefined && problems.length === 0;
  };
  await mkdir(dir, { recursive: false, mode: 0o700 });
  try {
    const mb = Math.round(maxBytes / (1024 * 1024));
    const compressed = byteCap(maxBytes, `The upload is larger than ${mb} MB (BERTH_UPLOAD_MAX_MB).`);
    // Piped, not part of the pipeline: a failure must not destroy the request (its socket carries the answer).
    body.pipe(compressed);
    body.once('error', (error) => compressed.destroy(error));
    // A client that goes away mid-upload: the body closes without ending.
    body.once('close', () => {
      if (!body.readableEnded) compressed.destroy(new Error('the upload was cut off'));
    });
    try {
      await pipeline(
        compressed,
        createGunzip(),
        byteCap(maxBytes * UNPACKED_FACTOR, `The upload unpacks to more than ${mb * UNPACKED_FACTOR} MB.`),
        checkedExtractor(dir, accept),
      );
    } finally {
      body.unpipe(compressed);
      // The rest of a refused body is read and dropped (the route closes the connection after answering).
      if (!body.readableEnded) body.resume();
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, 3).join('; ');
      const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
      throw new AppError('BAD_REQUEST', `The archive was refused: ${shown}${more}. Nothing was kept.`);
    }
    if (entries === 0) throw new AppError('BAD_REQUEST', 'The archive is empty. Nothing was kept.');
    return { entries };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (error instanceof AppError) throw error;
    throw new AppError('BAD_REQUEST', 'The upload is not a readable gzipped tar archive. Nothing was kept.', {
      cause: error,
    });
  }
}
