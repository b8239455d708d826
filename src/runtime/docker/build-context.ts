/**
 * Packs a build context directory into the tar stream the engine's build API takes, honouring a
 * .dockerignore at its root with Docker's own rules (the only importer of @balena/dockerignore; tar
 * through src/lib/tar-archive.ts). Like the Docker CLI, the Dockerfile and .dockerignore are always sent, even
 * when .dockerignore names them, and so are the files Berth adds (the build CA). Symlinks are sent as
 * links, never followed, so a link in a repository cannot pull a file from outside the context into an
 * image; sockets, FIFOs and devices are skipped.
 */
import dockerignore from '@balena/dockerignore';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { readContainedFile } from '../../lib/contained-file.js';
import { packDirectory } from '../../lib/tar-archive.js';

export interface PackedContext {
  stream: Readable;
  /** Files, links and directories in the tar, for the build log. */
  entries: number;
}

/** A .dockerignore is a few lines; a bigger one (or a link to /dev/zero) is refused, never read whole. */
const MAX_IGNORE_BYTES = 1024 * 1024;

async function readIgnoreRules(contextDir: string): Promise<string[]> {
  const text = await readContainedFile(await realpath(contextDir), '.dockerignore', MAX_IGNORE_BYTES);
  return text === undefined ? [] : text.split(/\r?\n/);
}

/**
 * Lists what goes into the tar, relative to contextDir with forward slashes. An excluded directory is
 * skipped whole unless an exception rule (`!path`) could bring something inside it back.
 */
async function listEntries(contextDir: string, dockerfile: string, extra: readonly string[]): Promise<string[]> {
  const rules = await readIgnoreRules(contextDir);
  // The package is CommonJS with a `default` self-reference; under NodeNext that is the callable one.
  const ignore = dockerignore.default({ ignorecase: false }).add(rules);
  const hasExceptions = rules.some((rule) => rule.trim().startsWith('!'));
  const alwaysSent = new Set(
    [dockerfile, ...extra].map((file) => posix.normalize(file.split(sep).join('/'))).concat('.dockerignore'),
  );
  const entries: string[] = [];

  const walk = async (dirRel: string): Promise<void> => {
    const names = (await readdir(join(contextDir, dirRel))).sort();
    for (const name of names) {
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const stat = await lstat(join(contextDir, rel));
      const ignored = ignore.ignores(rel) && !alwaysSent.has(rel);
      if (stat.isDirectory()) {
        if (!ignored) entries.push(rel);
        if (!ignored || hasExceptions || [...alwaysSent].some((p) => p.startsWith(`${rel}/`))) await walk(rel);
      } else if ((stat.isFile() || stat.isSymbolicLink()) && !ignored) {
        entries.push(rel);
      }
    }
  };
  await walk('');
  return entries;
}

export async function packBuildContext(
  contextDir: string,
  dockerfile: string,
  alwaysSend: readonly string[] = [],
): Promise<PackedContext> {
  const entries = await listEntries(contextDir, dockerfile, alwaysSend);
  // The list above is complete (tar never expands a directory on its own); a stable owner in the image
  // whatever uid cloned the repository.
  const stream = packDirectory(contextDir, { entries, ownedByRoot: true });
  return { stream, entries: entries.length };
}
