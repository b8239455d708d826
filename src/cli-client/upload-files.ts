/**
 * Which files of a directory `berth up` sends, and the gzipped tar of them. Left out: .git/ and .berth/
 * always; what .gitignore files (the root's and nested ones, each for its own directory) and the root's
 * .dockerignore name; symlinks that point outside the directory, nowhere, to a directory or by an absolute
 * path (the server refuses those); sockets, FIFOs and devices.
 * The .dockerignore is read with .gitignore rules (close to Docker's for the common patterns).
 */
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { ignoreRules, type IgnoreCheck } from '../lib/ignore-rules.js';
import { packDirectory } from '../lib/tar-archive.js';

const ALWAYS_LEFT_OUT = new Set(['.git', '.berth']);

export interface UploadList {
  /** Relative paths ('/'-separated) of the files and symlinks to send, sorted. */
  files: string[];
  /** Relative paths left out although no ignore rule names them (links out, special files), with why. */
  skipped: Array<{ path: string; reason: string }>;
}

interface RuleSet {
  /** The directory the rules are relative to ('' = the root). */
  base: string;
  check: IgnoreCheck;
}

async function readPatterns(file: string): Promise<string[] | undefined> {
  try {
    return (await readFile(file, 'utf8')).split(/\r?\n/);
  } catch {
    return undefined;
  }
}

function isIgnored(rules: readonly RuleSet[], path: string, isDir: boolean): boolean {
  return rules.some((rule) => {
    const local = rule.base === '' ? path : path.slice(rule.base.length + 1);
    return rule.check(isDir ? `${local}/` : local);
  });
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep);
}

export async function listUploadFiles(rootDir: string): Promise<UploadList> {
  const root = await realpath(rootDir);
  const files: string[] = [];
  const skipped: UploadList['skipped'] = [];
  const rootRules: RuleSet[] = [];
  for (const name of ['.gitignore', '.dockerignore']) {
    const patterns = await readPatterns(join(root, name));
    if (patterns) rootRules.push({ base: '', check: ignoreRules(patterns) });
  }

  const walk = async (dirRel: string, inherited: RuleSet[]): Promise<void> => {
    const dirAbs = dirRel === '' ? root : join(root, dirRel);
    let rules = inherited;
    if (dirRel !== '') {
      const nested = await readPatterns(join(dirAbs, '.gitignore'));
      if (nested) rules = [...inherited, { base: dirRel, check: ignoreRules(nested) }];
    }
    const entries = (await readdir(dirAbs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const rel = dirRel === '' ? entry.name : `${dirRel}/${entry.name}`;
      if (dirRel === '' && ALWAYS_LEFT_OUT.has(entry.name)) continue;
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) {
        if (!isIgnored(rules, rel, true)) await walk(rel, rules);
        continue;
      }
      if (isIgnored(rules, rel, false)) continue;
      if (entry.isFile()) files.push(rel);
      else if (entry.isSymbolicLink()) {
        const target = await realpath(join(root, rel)).catch(() => undefined);
        if (isAbsolute(await readlink(join(root, rel))))
          skipped.push({ path: rel, reason: 'a symlink with an absolute target' });
        else if (!target) skipped.push({ path: rel, reason: 'a symlink to nothing' });
        else if (!isInside(root, target)) skipped.push({ path: rel, reason: 'a symlink out of the directory' });
        else if ((await lstat(target)).isDirectory()) skipped.push({ path: rel, reason: 'a symlink to a directory' });
        else files.push(rel);
      } else skipped.push({ path: rel, reason: 'not a regular file' });
    }
  };
  await walk('', rootRules);
  return { files, skipped };
}

/** The gzipped tar of exactly these files of `root` (symlinks stay symlinks). */
export function packUpload(root: string, files: readonly string[]): Readable {
  return packDirectory(root, { entries: files }).pipe(createGzip());
}
