/**
 * The work on a volume's contents, done in a throwaway helper container (workloads/volume-spec.ts) with
 * docker exec and argv only: archive a volume to a tar file (the volume mounted read-only), extract a tar
 * file into a volume (optionally emptying it first), and read a volume's manifest (every regular file's
 * path, size and sha256). The helper is removed whatever happens.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Runtime } from '../runtime/runtime.js';
import { helperMountPath, volumeHelperSpec, type HelperVolume, type VolumeOwner } from '../workloads/volume-spec.js';

export interface ArchiveDeps {
  runtime: Runtime;
  helperImage: string;
}

/** path (relative to the volume root) → size and sha256. */
export type Manifest = Map<string, { size: number; sha256: string }>;

export class VolumeWorkFailure extends Error {}

/** Most bytes of manifest output read back (a volume with millions of files fails verification in words). */
const MANIFEST_LIMIT = 64 * 1024 * 1024;

async function withHelper<T>(
  deps: ArchiveDeps,
  owner: VolumeOwner,
  purpose: string,
  volumeId: string,
  volumes: HelperVolume[],
  work: (containerId: string) => Promise<T>,
): Promise<T> {
  const { runtime } = deps;
  if (!(await runtime.hasImage(deps.helperImage))) await runtime.pullImage(deps.helperImage, () => {});
  const id = await runtime.createContainer(
    volumeHelperSpec(owner, purpose, volumeId, deps.helperImage, volumes, Date.now()),
  );
  try {
    await runtime.startContainer(id);
    return await work(id);
  } finally {
    await runtime.removeContainer(id).catch(() => {});
  }
}

async function run(deps: ArchiveDeps, id: string, argv: string[], options: Parameters<Runtime['exec']>[2] = {}) {
  const result = await deps.runtime.exec(id, argv, options);
  if (result.exitCode !== 0) {
    const words = (result.stderr || result.stdout).trim().slice(0, 500);
    throw new VolumeWorkFailure(`${argv[0]} exited with code ${result.exitCode}${words ? `: ${words}` : ''}`);
  }
  return result;
}

/** Writes the volume's whole tree (owners, modes, links kept) as a tar file at `file`. */
export async function archiveVolume(
  deps: ArchiveDeps,
  owner: VolumeOwner,
  volumeId: string,
  dockerName: string,
  file: string,
): Promise<void> {
  await withHelper(deps, owner, 'archive', volumeId, [{ volume: dockerName, readOnly: true }], async (id) => {
    const out = createWriteStream(file, { mode: 0o600 });
    try {
      await run(deps, id, ['tar', '-C', helperMountPath(0), '-cf', '-', '.'], { stdout: out });
    } finally {
      out.end();
      await finished(out).catch(() => {});
    }
  });
}

/** Extracts the tar file into the volume; `empty` removes what the volume held first (a restore). */
export async function extractIntoVolume(
  deps: ArchiveDeps,
  owner: VolumeOwner,
  volumeId: string,
  dockerName: string,
  file: string,
  options: { empty: boolean },
): Promise<void> {
  await withHelper(deps, owner, 'restore', volumeId, [{ volume: dockerName, readOnly: false }], async (id) => {
    const root = helperMountPath(0);
    if (options.empty)
      await run(deps, id, ['find', root, '-mindepth', '1', '-maxdepth', '1', '-exec', 'rm', '-rf', '{}', '+']);
    await run(deps, id, ['tar', '-C', root, '-xpf', '-'], { stdin: createReadStream(file) });
  });
}

/** Every regular file of the volume: relative path, size and sha256. */
export async function manifestOfVolume(
  deps: ArchiveDeps,
  owner: VolumeOwner,
  volumeId: string,
  dockerName: string,
): Promise<Manifest> {
  return withHelper(deps, owner, 'check', volumeId, [{ volume: dockerName, readOnly: true }], async (id) => {
    const root = helperMountPath(0);
    const sums = await collect(deps, id, ['find', root, '-type', 'f', '-exec', 'sha256sum', '{}', '+']);
    const sizes = await collect(deps, id, ['find', root, '-type', 'f', '-exec', 'stat', '-c', '%s %n', '{}', '+']);
    return parseManifest(root, sums, sizes);
  });
}

async function collect(deps: ArchiveDeps, id: string, argv: string[]): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > MANIFEST_LIMIT) return done(new VolumeWorkFailure('The volume holds too many files to check.'));
      chunks.push(chunk);
      done();
    },
  });
  await run(deps, id, argv, { stdout: sink });
  return Buffer.concat(chunks).toString('utf8');
}

/** `sha256sum` lines (`<64 hex>  <path>`) and `stat -c '%s %n'` lines, joined by path (relative to root). */
export function parseManifest(root: string, sums: string, sizes: string): Manifest {
  const relative = (path: string) => (path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path);
  const manifest: Manifest = new Map();
  const sizeOf = new Map<string, number>();
  for (const line of sizes.split('\n')) {
    const match = /^(\d+) (.+)$/.exec(line);
    if (match) sizeOf.set(relative(match[2]!), Number(match[1]));
  }
  for (const line of sums.split('\n')) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) continue;
    const path = relative(match[2]!);
    manifest.set(path, { sha256: match[1]!, size: sizeOf.get(path) ?? -1 });
  }
  return manifest;
}

/** The first difference between two manifests, in words; undefined when they are the same. */
export function manifestDifference(expected: Manifest, actual: Manifest): string | undefined {
  for (const [path, want] of expected) {
    const got = actual.get(path);
    if (!got) return `${path} is missing after the restore`;
    if (got.size !== want.size) return `${path} has ${got.size} bytes after the restore, ${want.size} before`;
    if (got.sha256 !== want.sha256) return `${path} has other contents after the restore (sha256 differs)`;
  }
  for (const path of actual.keys()) if (!expected.has(path)) return `${path} appeared in the restore`;
  return undefined;
}
