/**
 * How a Node project installs and builds, from its lockfile: shared by the node buildpack and by the
 * static buildpack's optional `npm run build` stage. All values are constants chosen from tables.
 */
import type { SourceTree } from '../source-tree.js';

export type PackageManager = 'npm' | 'yarn' | 'pnpm';

export interface PackageJson {
  main?: unknown;
  scripts?: Record<string, unknown>;
  workspaces?: unknown;
  packageManager?: unknown;
  dependencies?: unknown;
  devDependencies?: unknown;
}

export interface NodeInstall {
  packageManager: PackageManager;
  lockfile: string | null;
  /** Files copied before the install step, so the install layer is cached until they change. */
  manifests: string[];
  /** Workspaces or Yarn Berry need the whole tree before installing. */
  copyAllFirst: boolean;
  install: string[];
  /** `run build`, when package.json has a build script. */
  build: string[] | null;
  /** Drops dev dependencies after the build, where the package manager can do it offline. */
  prune: string[] | null;
}

// Checked in this order: the first lockfile present decides the package manager.
const LOCKFILES: readonly { file: string; manager: PackageManager }[] = [
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
  { file: 'yarn.lock', manager: 'yarn' },
  { file: 'package-lock.json', manager: 'npm' },
  { file: 'npm-shrinkwrap.json', manager: 'npm' },
];
/** Package-manager settings the install needs, copied with the manifests when present. */
const SETTINGS_FILES = ['.npmrc', '.yarnrc', '.yarnrc.yml', 'pnpm-workspace.yaml'];

export function asPackageJson(value: unknown): PackageJson {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as PackageJson) : {};
}

export function scriptOf(pkg: PackageJson, name: string): string | undefined {
  const script = pkg.scripts?.[name];
  return typeof script === 'string' && script.trim() !== '' ? script : undefined;
}

export async function nodeInstall(tree: SourceTree, pkg: PackageJson): Promise<NodeInstall> {
  let lock: (typeof LOCKFILES)[number] | undefined;
  for (const candidate of LOCKFILES) {
    if (await tree.isFile(candidate.file)) {
      lock = candidate;
      break;
    }
  }
  const packageManager = lock?.manager ?? 'npm';
  const settings: string[] = [];
  for (const file of SETTINGS_FILES) if (await tree.isFile(file)) settings.push(file);
  const yarnBerry = packageManager === 'yarn' && settings.includes('.yarnrc.yml');
  const copyAllFirst = pkg.workspaces !== undefined || settings.includes('pnpm-workspace.yaml') || yarnBerry;
  const hasBuild = scriptOf(pkg, 'build') !== undefined;
  const installs: Record<PackageManager, string[]> = {
    // Dev dependencies are installed for the build step and pruned afterwards.
    npm: lock ? ['npm', 'ci', '--include=dev'] : ['npm', 'install', '--include=dev'],
    yarn: ['corepack', 'yarn', 'install', yarnBerry ? '--immutable' : '--frozen-lockfile'],
    pnpm: ['corepack', 'pnpm', 'install', '--frozen-lockfile'],
  };
  const builds: Record<PackageManager, string[]> = {
    npm: ['npm', 'run', 'build'],
    yarn: ['corepack', 'yarn', 'run', 'build'],
    pnpm: ['corepack', 'pnpm', 'run', 'build'],
  };
  const prunes: Record<PackageManager, string[] | null> = {
    npm: ['npm', 'prune', '--omit=dev'],
    pnpm: ['corepack', 'pnpm', 'prune', '--prod'],
    // Yarn has no offline prune; the dev dependencies stay.
    yarn: null,
  };
  return {
    packageManager,
    lockfile: lock?.file ?? null,
    manifests: ['package.json', ...(lock ? [lock.file] : []), ...settings],
    copyAllFirst,
    install: installs[packageManager],
    build: hasBuild ? builds[packageManager] : null,
    prune: prunes[packageManager],
  };
}
